// @ts-check
'use strict';
/**
 * Runtime shared by the demo fleet's child processes (a replica and its "database").
 *
 * Plain CommonJS on purpose: it runs under `node` with no TypeScript loader, from jest and from a
 * bundled CLI alike. Each child serves two ports on 127.0.0.1:
 *   - the service port (what the load balancer or the replicas call), and
 *   - a control port, guarded by a per-fleet token, through which the parent injects and reverts
 *     faults and reads host figures (what the CloudWatch agent would report on an instance).
 *
 * Every fault carries its own deadline and is ended here, by this process, when it passes: a fault
 * ends even if the parent's phase functions never revert it. The child exits when its parent does.
 */
const http = require('node:http');
const fs = require('node:fs');
const path = require('node:path');
const { Worker } = require('node:worker_threads');

/**
 * The configuration the parent passes as the first argument (see `startProcess` in demo-fleet.ts).
 * @typedef {object} ChildConfig
 * @property {'replica' | 'dependency'} role
 * @property {string} name
 * @property {number} port preferred service port; 0 for any
 * @property {string} controlToken
 * @property {string} diskDir
 * @property {string} dependencyUrl
 * @property {number} dependencyTimeoutMs
 */

/**
 * A fault's parameters as the parent sends them (it validates them per fault type).
 * @typedef {object} FaultParameters
 * @property {'ingress' | 'dependency'} [direction] network-partition
 * @property {number} loadPercent cpu-stress
 * @property {number} workers cpu-stress
 * @property {number} megabytes memory-stress, disk-stress
 * @property {number} [delayMs] network-latency
 * @property {number} [jitterMs] network-latency
 * @property {number} [percent] service-unavailable
 * @property {number} [statusCode] service-unavailable
 */

/**
 * @typedef {object} Fault
 * @property {string} id
 * @property {string} type
 * @property {FaultParameters} parameters
 * @property {number} expiresAtMs
 * @property {Worker[]} workers
 * @property {boolean} ended
 * @property {NodeJS.Timeout} [timer]
 * @property {string} [file] disk-stress
 * @property {Promise<unknown>} [ready] the setup, while it runs
 * @property {unknown} [detail] what the setup reported
 */

/** @typedef {ReturnType<typeof createFaultEngine>} FaultEngine */

/**
 * @typedef {object} ChildContext
 * @property {ChildConfig} config
 * @property {FaultEngine} engine
 */

/** @typedef {(req: http.IncomingMessage, res: http.ServerResponse, context: ChildContext) => Promise<void>} Handler */

const MB = 1024 * 1024;
const MAX_TIMER_MS = 2_147_483_647;
const STATS_EVERY_MS = 500;

class HttpProblem extends Error {
  /**
   * @param {number} status
   * @param {string} message
   */
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/** @param {number} ms */
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** @returns {ChildConfig} */
const readConfig = () => {
  const raw = process.argv[2];
  if (!raw) throw new Error('missing configuration argument');
  return JSON.parse(raw);
};

/** Exits with the parent: on IPC disconnect, or when re-parented (the parent died without one). */
const watchParent = () => {
  if (typeof process.send === 'function') process.on('disconnect', () => process.exit(0));
  const ppid = process.ppid;
  setInterval(() => {
    if (process.ppid !== ppid) process.exit(0);
  }, 500).unref();
};

/** Busy loop for `loadPercent` of every 100 ms slice until `until`; terminated early on revert. */
const CPU_WORKER = `
const { workerData } = require('node:worker_threads');
const slice = 100;
const busy = (slice * workerData.loadPercent) / 100;
const cycle = () => {
  const start = Date.now();
  if (start >= workerData.until) return;
  while (Date.now() - start < busy) {}
  setTimeout(cycle, Math.max(0, slice - busy));
};
cycle();
`;

/**
 * Holds `megabytes` of touched memory until terminated. It lives in a worker thread because ending
 * the thread returns the memory to the OS at once (a freed Buffer in the main thread may stay in
 * the allocator's arenas and keep RSS high), so a revert shows up in the figures.
 */
const MEMORY_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const held = [];
for (let i = 0; i < workerData.megabytes; i++) {
  const chunk = Buffer.allocUnsafeSlow(1024 * 1024);
  chunk.fill(i % 251 + 1);
  held.push(chunk);
}
parentPort.postMessage({ held: held.length });
setInterval(() => { if (Date.now() >= workerData.until) process.exit(0); }, 250);
`;

/**
 * @param {string} code
 * @param {unknown} workerData
 * @param {boolean} waitForMessage
 * @returns {Promise<Worker>}
 */
const startWorker = (code, workerData, waitForMessage) =>
  new Promise((resolve, reject) => {
    const worker = new Worker(code, { eval: true, workerData });
    /** @param {Error} error */
    const fail = (error) => {
      worker.terminate().catch(() => undefined);
      reject(error);
    };
    worker.once('error', fail);
    worker.once('exit', (code) => reject(new Error(`stress worker exited early (${code})`)));
    worker.once(waitForMessage ? 'message' : 'online', () => {
      worker.removeAllListeners('exit');
      resolve(worker);
    });
  });

/**
 * @param {string} dir
 * @returns {Promise<number>}
 */
const dirBytes = async (dir) => {
  let total = 0;
  let entries;
  try {
    entries = await fs.promises.readdir(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    try {
      if (entry.isDirectory()) total += await dirBytes(full);
      else total += (await fs.promises.stat(full)).size;
    } catch {
      // removed while counting
    }
  }
  return total;
};

/**
 * The faults active in this process, each with its deadline timer. `apply` is idempotent per fault
 * id (a retried inject does not double the fault); `revert` is idempotent too.
 */
/**
 * @param {{ role: ChildConfig['role'], diskDir: string, onIngressCut: () => void }} options
 */
const createFaultEngine = ({ role, diskDir, onIngressCut }) => {
  /** @type {Map<string, Fault>} */
  const active = new Map();

  /** @type {Record<string, (fault: Fault) => Promise<unknown>>} */
  const setupOf = {
    'network-latency': async () => undefined,
    'service-unavailable': async () => undefined,
    'dependency-timeout': async () => undefined,
    'network-partition': async (fault) => {
      if (fault.parameters.direction === 'dependency' && role !== 'replica') {
        throw new HttpProblem(400, 'the dependency has no outbound dependency to cut; use direction "ingress"');
      }
      if (fault.parameters.direction === 'ingress') onIngressCut();
    },
    'cpu-stress': async (fault) => {
      const { loadPercent, workers } = fault.parameters;
      for (let i = 0; i < workers && !fault.ended; i++) {
        fault.workers.push(await startWorker(CPU_WORKER, { loadPercent, until: fault.expiresAtMs }, false));
      }
      return { workers: fault.workers.length };
    },
    'memory-stress': async (fault) => {
      fault.workers.push(
        await startWorker(MEMORY_WORKER, { megabytes: fault.parameters.megabytes, until: fault.expiresAtMs }, true),
      );
      return { megabytes: fault.parameters.megabytes };
    },
    'disk-stress': async (fault) => {
      fault.file = path.join(diskDir, `disk-stress-${fault.id.replace(/[^A-Za-z0-9._-]/g, '_')}.bin`);
      const handle = await fs.promises.open(fault.file, 'w');
      const chunk = Buffer.alloc(MB, 0x5a);
      try {
        for (let i = 0; i < fault.parameters.megabytes && !fault.ended; i++) await handle.write(chunk);
        await handle.sync();
      } finally {
        await handle.close();
      }
      if (fault.ended) await fs.promises.rm(fault.file, { force: true });
      return { file: fault.file, megabytes: fault.parameters.megabytes };
    },
  };

  /** @param {Fault} fault */
  const teardown = async (fault) => {
    fault.ended = true;
    clearTimeout(fault.timer);
    active.delete(fault.id);
    await Promise.all(fault.workers.map((w) => w.terminate().catch(() => undefined)));
    if (fault.file) {
      // Wait for an in-flight write to notice `ended` before the file goes.
      await fault.ready?.catch(() => undefined);
      await fs.promises.rm(fault.file, { force: true });
    }
  };

  /** @param {Fault} fault */
  const armDeadline = (fault) => {
    const left = fault.expiresAtMs - Date.now();
    fault.timer = setTimeout(
      () => {
        if (Date.now() >= fault.expiresAtMs) teardown(fault).catch(() => undefined);
        else armDeadline(fault);
      },
      Math.min(Math.max(0, left), MAX_TIMER_MS),
    );
  };

  /** @param {Fault} fault */
  const describe = (fault) => ({
    id: fault.id,
    type: fault.type,
    parameters: fault.parameters,
    expiresAt: new Date(fault.expiresAtMs).toISOString(),
    detail: fault.detail ?? {},
  });

  /**
   * @param {string} id
   * @param {{ type?: unknown, expiresAt?: unknown, parameters?: unknown }} body the request's JSON
   */
  const apply = async (id, body) => {
    const existing = active.get(id);
    if (existing) {
      if (existing.type !== body.type) throw new HttpProblem(409, `fault ${id} is already active as ${existing.type}`);
      await existing.ready;
      return describe(existing);
    }
    const type = String(body.type);
    const setup = Object.hasOwn(setupOf, type) ? setupOf[type] : undefined;
    if (!setup) throw new HttpProblem(400, `unknown fault type "${body.type}"`);
    const expiresAtMs = Date.parse(String(body.expiresAt));
    if (!Number.isFinite(expiresAtMs) || expiresAtMs <= Date.now()) {
      throw new HttpProblem(400, `expiresAt ${body.expiresAt} is not in the future`);
    }
    /** @type {Fault} */
    const fault = {
      id,
      type,
      parameters: /** @type {FaultParameters} */ (body.parameters ?? {}),
      expiresAtMs,
      workers: [],
      ended: false,
    };
    // Registered and armed before the setup runs, so that a revert or the deadline can end it mid-way.
    active.set(id, fault);
    armDeadline(fault);
    fault.ready = setup(fault);
    try {
      fault.detail = await fault.ready;
    } catch (error) {
      await teardown(fault);
      throw error;
    }
    if (fault.ended) throw new HttpProblem(409, `fault ${id} ended while it was being applied`);
    return describe(fault);
  };

  /** @param {string} id */
  const revert = async (id) => {
    const fault = active.get(id);
    if (!fault) return false;
    await teardown(fault);
    return true;
  };

  /** @param {string} type */
  const ofType = (type) => [...active.values()].filter((f) => f.type === type && !f.ended);

  return {
    apply,
    revert,
    list: () => [...active.values()].map(describe),
    ingressCut: () => ofType('network-partition').some((f) => f.parameters.direction === 'ingress'),
    dependencyCut: () => ofType('network-partition').some((f) => f.parameters.direction === 'dependency'),
    dependencyHang: () => ofType('dependency-timeout').length > 0,
    delayMs: () => {
      let delay = 0;
      for (const f of ofType('network-latency')) {
        const jitter = f.parameters.jitterMs ?? 0;
        delay = Math.max(delay, (f.parameters.delayMs ?? 0) + (Math.random() * 2 - 1) * jitter);
      }
      return Math.max(0, Math.round(delay));
    },
    /** The status code this request must fail with, or undefined. */
    unavailableStatus: () => {
      for (const f of ofType('service-unavailable')) {
        if (Math.random() * 100 < (f.parameters.percent ?? 100)) return f.parameters.statusCode ?? 503;
      }
      return undefined;
    },
    endAll: async () => {
      await Promise.all([...active.values()].map(teardown));
    },
  };
};

/**
 * @param {http.IncomingMessage} req
 * @returns {Promise<string>}
 */
const readBody = (req, limit = 64 * 1024) =>
  new Promise((resolve, reject) => {
    /** @type {Buffer[]} */
    const chunks = [];
    let size = 0;
    req.on('data', (/** @type {Buffer} */ c) => {
      size += c.length;
      if (size > limit) reject(new HttpProblem(413, 'body too large'));
      else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });

/** @param {unknown} error */
const messageOf = (error) => String(/** @type {{ message?: unknown } | null | undefined} */ (error)?.message || error);

/**
 * @param {http.ServerResponse} res
 * @param {number} status
 * @param {unknown} body
 */
const sendJson = (res, status, body) => {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
};

/**
 * @param {http.Server} server
 * @param {number} port
 * @returns {Promise<number>}
 */
const listen = (server, port) =>
  new Promise((resolve, reject) => {
    /** @param {Error} error */
    const onError = (error) => {
      server.off('listening', onListening);
      reject(error);
    };
    const onListening = () => {
      server.off('error', onError);
      resolve(/** @type {import('node:net').AddressInfo} */ (server.address()).port);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, '127.0.0.1');
  });

/**
 * Starts a child: its service server (with the fault hooks around `handle`) and its control server.
 * `handle(req, res, context)` serves every path but `/health`.
 */
/** @param {Handler} handle */
const startChild = async (handle) => {
  const config = readConfig();
  watchParent();

  const sockets = new Set();
  const engine = createFaultEngine({
    role: config.role,
    diskDir: config.diskDir,
    onIngressCut: () => {
      for (const s of sockets) s.destroy();
    },
  });
  const context = { config, engine };

  const service = http.createServer(async (req, res) => {
    // A partition drops even requests on connections that were open before it began.
    if (engine.ingressCut()) return req.socket.destroy();
    const delay = engine.delayMs();
    if (delay > 0) await sleep(delay);
    if (engine.ingressCut()) return req.socket.destroy();
    if (req.url === '/health') return sendJson(res, 200, { status: 'ok', name: config.name, pid: process.pid });
    try {
      await handle(req, res, context);
    } catch (error) {
      sendJson(res, 500, { error: messageOf(error) });
    }
  });
  service.on('connection', (socket) => {
    if (engine.ingressCut()) return socket.destroy();
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  let cpuPercent = 0;
  let lastUsage = process.cpuUsage();
  let lastAt = process.hrtime.bigint();
  setInterval(() => {
    const usage = process.cpuUsage(lastUsage);
    const now = process.hrtime.bigint();
    const elapsedUs = Number((now - lastAt) / 1000n);
    if (elapsedUs > 0) cpuPercent = ((usage.user + usage.system) / elapsedUs) * 100;
    lastUsage = process.cpuUsage();
    lastAt = now;
  }, STATS_EVERY_MS).unref();

  const control = http.createServer(async (req, res) => {
    try {
      if (req.headers['x-faultline-token'] !== config.controlToken) throw new HttpProblem(403, 'bad control token');
      const url = new URL(req.url ?? '/', 'http://control');
      const faultPath = /^\/faults\/([^/]+)$/.exec(url.pathname);
      if (req.method === 'GET' && url.pathname === '/stats') {
        return sendJson(res, 200, {
          name: config.name,
          role: config.role,
          pid: process.pid,
          at: new Date().toISOString(),
          cpuPercent,
          rssMb: process.memoryUsage.rss() / MB,
          diskMb: (await dirBytes(config.diskDir)) / MB,
          faults: engine.list(),
          dependencyUrl: context.config.dependencyUrl,
        });
      }
      if (req.method === 'PUT' && faultPath) {
        const body = JSON.parse((await readBody(req)) || '{}');
        return sendJson(res, 200, await engine.apply(decodeURIComponent(/** @type {string} */ (faultPath[1])), body));
      }
      if (req.method === 'DELETE' && faultPath) {
        return sendJson(res, 200, {
          reverted: await engine.revert(decodeURIComponent(/** @type {string} */ (faultPath[1]))),
        });
      }
      if (req.method === 'PUT' && url.pathname === '/config') {
        const body = JSON.parse((await readBody(req)) || '{}');
        if (typeof body.dependencyUrl === 'string') context.config.dependencyUrl = body.dependencyUrl;
        return sendJson(res, 200, { dependencyUrl: context.config.dependencyUrl });
      }
      throw new HttpProblem(404, `no route ${req.method} ${url.pathname}`);
    } catch (error) {
      const status = error instanceof HttpProblem ? error.status : error instanceof SyntaxError ? 400 : 500;
      sendJson(res, status, { error: messageOf(error) });
    }
  });

  let port;
  try {
    port = await listen(service, config.port || 0);
  } catch (error) {
    // The preferred port (the one this member had before a restart) was taken: any port will do.
    if (/** @type {NodeJS.ErrnoException} */ (error).code !== 'EADDRINUSE' || !config.port) throw error;
    port = await listen(service, 0);
  }
  const controlPort = await listen(control, 0);

  const shutdown = () => {
    engine
      .endAll()
      .catch(() => undefined)
      .finally(() => process.exit(0));
    setTimeout(() => process.exit(0), 1000).unref();
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);

  const ready = { type: 'ready', pid: process.pid, port, controlPort };
  if (typeof process.send === 'function') process.send(ready);
  else process.stdout.write(`${JSON.stringify(ready)}\n`);
};

module.exports = { startChild, sendJson, sleep };
