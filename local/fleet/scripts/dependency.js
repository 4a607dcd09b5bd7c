// @ts-check
'use strict';
/**
 * The demo service's dependency (its "database"): `GET /query` answers a small row set.
 */
const path = require('node:path');
/** @type {typeof import('./child.js')} */
const { startChild, sendJson, sleep } = require(path.join(__dirname, 'child.js'));

let served = 0;

startChild(async (req, res, context) => {
  const { config, engine } = context;
  if (req.method !== 'GET' || req.url !== '/query') return sendJson(res, 404, { error: 'not found' });
  if (engine.dependencyHang()) {
    // The database does not answer: hold the call until the caller gives up or the fault ends.
    while (engine.dependencyHang() && !req.socket.destroyed) await sleep(50);
    if (!req.socket.destroyed) req.socket.destroy();
    return;
  }
  const status = engine.unavailableStatus();
  if (status !== undefined) return sendJson(res, status, { error: 'database unavailable' });
  served += 1;
  sendJson(res, 200, { name: config.name, rows: [{ id: served % 100, value: 'ok' }] });
}).catch((/** @type {Error} */ error) => {
  process.stderr.write(`dependency failed to start: ${error.stack || error}\n`);
  process.exit(1);
});
