// @ts-check
'use strict';
/**
 * A replica of the demo service. `GET /` asks the dependency (the "database") and answers 200, or
 * 502 when the dependency fails and 504 when it does not answer within the client timeout.
 */
const http = require('node:http');
const path = require('node:path');
/** @type {typeof import('./child.js')} */
const { startChild, sendJson } = require(path.join(__dirname, 'child.js'));

/** @typedef {{ ok: true, body: string } | { ok: false, status: number, error: string }} Outcome */

/** One call to the dependency, bounded by the client timeout. */
/**
 * @param {import('./child.js').ChildContext} context
 * @returns {Promise<Outcome>}
 */
const queryDependency = (context) =>
  new Promise((resolve) => {
    const { config, engine } = context;
    const timeoutMs = config.dependencyTimeoutMs;
    if (engine.dependencyCut())
      return resolve({ ok: false, status: 502, error: 'connect ECONNREFUSED (network partition)' });
    if (engine.dependencyHang()) {
      // The call is blackholed: nothing comes back until the client gives up.
      return setTimeout(
        () => resolve({ ok: false, status: 504, error: `dependency timed out after ${timeoutMs} ms` }),
        timeoutMs,
      );
    }
    let settled = false;
    /** @param {Outcome} outcome */
    const settle = (outcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(outcome);
    };
    const req = http.get(`${config.dependencyUrl}/query`, { agent: false }, (res) => {
      /** @type {Buffer[]} */
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        if (res.statusCode === 200) settle({ ok: true, body: Buffer.concat(chunks).toString('utf8') });
        else settle({ ok: false, status: 502, error: `dependency answered ${res.statusCode}` });
      });
      res.on('error', (error) => settle({ ok: false, status: 502, error: error.message }));
    });
    const timer = setTimeout(() => {
      settle({ ok: false, status: 504, error: `dependency timed out after ${timeoutMs} ms` });
      req.destroy();
    }, timeoutMs);
    req.on('error', (error) => settle({ ok: false, status: 502, error: error.message }));
  });

startChild(async (req, res, context) => {
  const { config, engine } = context;
  if (req.method !== 'GET' || (req.url !== '/' && !req.url?.startsWith('/?')))
    return sendJson(res, 404, { error: 'not found' });
  const status = engine.unavailableStatus();
  if (status !== undefined) return sendJson(res, status, { error: 'service unavailable', replica: config.name });
  const outcome = await queryDependency(context);
  if (!outcome.ok) return sendJson(res, outcome.status, { error: outcome.error, replica: config.name });
  sendJson(res, 200, { replica: config.name, pid: process.pid, dependency: JSON.parse(outcome.body) });
}).catch((/** @type {Error} */ error) => {
  process.stderr.write(`replica failed to start: ${error.stack || error}\n`);
  process.exit(1);
});
