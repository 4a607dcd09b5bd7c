import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { FleetError } from './errors';
import type { HealthChecker } from './health-checker';

interface LoadBalancerSettings {
  /** A proxied request without a complete answer in this time is answered 504. */
  upstreamTimeoutMs: number;
  /** Request bodies are buffered (so that a retry can resend them) up to this size. */
  maxBodyBytes: number;
}

/** Errors that happen before a replica answered anything, so the request may go elsewhere. */
const RETRYABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE']);

/** Headers that describe one connection, not the request. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'te',
  'trailer',
]);

/**
 * The local stand-in for an application load balancer: round-robin over the targets its health
 * checker finds healthy. A request whose connection is refused or reset before any answer is tried
 * once more on another target (a refusal also takes the target out of rotation at once); an answer,
 * even a 5xx, is passed on as it is. With no healthy target the answer is 503.
 */
export class LoadBalancer {
  private server: http.Server | undefined;
  private next = 0;

  constructor(
    private readonly health: HealthChecker,
    private readonly settings: LoadBalancerSettings,
  ) {}

  async start(): Promise<void> {
    const server = http.createServer((req, res) => this.handle(req, res));
    server.keepAliveTimeout = 5_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
  }

  get port(): number {
    if (!this.server) throw new FleetError('load balancer is not listening');
    return (this.server.address() as AddressInfo).port;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  private pick(exclude: ReadonlySet<string>): { name: string; port: number } | undefined {
    const healthy = this.health.status().filter((t) => t.healthy && t.port !== undefined && !exclude.has(t.name));
    if (healthy.length === 0) return undefined;
    const target = healthy[this.next++ % healthy.length]!;
    return { name: target.name, port: target.port! };
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= this.settings.maxBodyBytes) chunks.push(c);
    });
    req.on('end', () => {
      if (size > this.settings.maxBodyBytes) return answer(res, 413, 'request body too large');
      this.forward(req, Buffer.concat(chunks), res, new Set(), 1);
    });
  }

  private forward(
    req: http.IncomingMessage,
    body: Buffer,
    res: http.ServerResponse,
    tried: Set<string>,
    retries: number,
  ): void {
    const target = this.pick(tried);
    if (!target) {
      answer(res, tried.size > 0 ? 502 : 503, tried.size > 0 ? 'no replica answered' : 'no healthy replica');
      return;
    }
    tried.add(target.name);
    const headers: http.OutgoingHttpHeaders = {};
    for (const [key, value] of Object.entries(req.headers))
      if (!HOP_BY_HOP.has(key) && value !== undefined) headers[key] = value;
    headers['content-length'] = body.length;
    headers['x-forwarded-for'] = req.socket.remoteAddress ?? '127.0.0.1';

    let answered = false;
    let timedOut = false;
    const upstream = http.request(
      { host: '127.0.0.1', port: target.port, method: req.method, path: req.url, headers, agent: false },
      (up) => {
        answered = true;
        const out: http.OutgoingHttpHeaders = {};
        for (const [key, value] of Object.entries(up.headers))
          if (!HOP_BY_HOP.has(key) && value !== undefined) out[key] = value;
        out['x-faultline-replica'] = target.name;
        res.writeHead(up.statusCode ?? 502, out);
        up.pipe(res);
        up.on('error', () => res.destroy());
        up.on('end', () => clearTimeout(timer));
      },
    );
    const timer = setTimeout(() => {
      timedOut = true;
      upstream.destroy();
      if (!res.headersSent)
        answer(res, 504, `${target.name} did not answer within ${this.settings.upstreamTimeoutMs} ms`);
      else res.destroy();
    }, this.settings.upstreamTimeoutMs);
    let clientGone = false;
    res.on('close', () => {
      clearTimeout(timer);
      if (!res.writableFinished) {
        clientGone = true;
        upstream.destroy();
      }
    });
    upstream.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (timedOut || clientGone) return;
      if (answered || res.headersSent) return void res.destroy();
      if (error.code === 'ECONNREFUSED') this.health.markFailed(target.name, target.port, 'connection refused');
      if (retries > 0 && RETRYABLE.has(error.code ?? '')) return this.forward(req, body, res, tried, retries - 1);
      answer(res, 502, `${target.name}: ${error.code ?? error.message}`);
    });
    upstream.end(body);
  }
}

const answer = (res: http.ServerResponse, status: number, error: string): void => {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify({ error });
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
};
