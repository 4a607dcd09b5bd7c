import http from 'node:http';

interface HealthCheckSettings {
  /** Time between two checks of one target. */
  intervalMs: number;
  /** A check without an answer in this time fails. */
  timeoutMs: number;
  /** Consecutive passing checks before a new or failed target takes traffic. */
  healthyThreshold: number;
  /** Consecutive failing checks before a target stops taking traffic. */
  unhealthyThreshold: number;
  path: string;
}

/** What the checker knows of one target. */
interface TargetHealth {
  name: string;
  port?: number;
  healthy: boolean;
  lastError?: string;
  lastCheckedAt?: string;
}

interface Entry extends TargetHealth {
  /** Bumped on every (de)registration so that a late answer about an old process changes nothing. */
  incarnation: number;
  okStreak: number;
  failStreak: number;
  checking: boolean;
}

/**
 * Active health checks in the manner of a target group: every target is probed on `path` at a
 * fixed interval, takes traffic after `healthyThreshold` passes and loses it after
 * `unhealthyThreshold` failures. A target (re)registered on a new port starts unhealthy.
 */
export class HealthChecker {
  private readonly entries = new Map<string, Entry>();
  private ticker: NodeJS.Timeout | undefined;

  constructor(private readonly settings: HealthCheckSettings) {}

  start(): void {
    if (this.ticker) return;
    this.ticker = setInterval(() => this.checkAll(), this.settings.intervalMs);
    this.ticker.unref();
  }

  stop(): void {
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = undefined;
  }

  /** Starts checking `name` on `port`; it takes traffic once it has passed enough checks. */
  register(name: string, port: number): void {
    const previous = this.entries.get(name);
    this.entries.set(name, {
      name,
      port,
      healthy: false,
      incarnation: (previous?.incarnation ?? 0) + 1,
      okStreak: 0,
      failStreak: 0,
      checking: false,
    });
    this.check(name);
  }

  /** The target is gone (its process exited): out of rotation at once. */
  deregister(name: string): void {
    const previous = this.entries.get(name);
    this.entries.set(name, {
      name,
      healthy: false,
      incarnation: (previous?.incarnation ?? 0) + 1,
      okStreak: 0,
      failStreak: 0,
      checking: false,
      lastError: 'deregistered',
    });
  }

  /** A passive failure seen by traffic (connection refused): out of rotation until checks pass again. */
  markFailed(name: string, port: number, reason: string): void {
    const entry = this.entries.get(name);
    if (!entry || entry.port !== port) return;
    entry.healthy = false;
    entry.okStreak = 0;
    entry.failStreak = Math.max(entry.failStreak, this.settings.unhealthyThreshold);
    entry.lastError = reason;
  }

  status(): TargetHealth[] {
    return [...this.entries.values()]
      .map(({ name, port, healthy, lastError, lastCheckedAt }) => ({
        name,
        healthy,
        ...(port === undefined ? {} : { port }),
        ...(lastError === undefined ? {} : { lastError }),
        ...(lastCheckedAt === undefined ? {} : { lastCheckedAt }),
      }))
      .sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true }));
  }

  isHealthy(name: string): boolean {
    return this.entries.get(name)?.healthy ?? false;
  }

  private checkAll(): void {
    for (const name of this.entries.keys()) this.check(name);
  }

  private check(name: string): void {
    const entry = this.entries.get(name);
    if (!entry || entry.port === undefined || entry.checking) return;
    entry.checking = true;
    const { incarnation, port } = entry;
    probe(port, this.settings.path, this.settings.timeoutMs).then((error) => {
      const current = this.entries.get(name);
      if (!current || current.incarnation !== incarnation) return;
      current.checking = false;
      current.lastCheckedAt = new Date().toISOString();
      if (error === undefined) {
        current.okStreak += 1;
        current.failStreak = 0;
        if (current.okStreak >= this.settings.healthyThreshold) current.healthy = true;
        delete current.lastError;
      } else {
        current.failStreak += 1;
        current.okStreak = 0;
        current.lastError = error;
        if (current.failStreak >= this.settings.unhealthyThreshold) current.healthy = false;
      }
    });
  }
}

/** One health probe: undefined when it passed, the reason otherwise. Never rejects. */
const probe = (port: number, path: string, timeoutMs: number): Promise<string | undefined> =>
  new Promise((resolve) => {
    let settled = false;
    const settle = (error: string | undefined) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(error);
    };
    const req = http.get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      res.resume();
      res.on('end', () => settle(res.statusCode === 200 ? undefined : `status ${res.statusCode}`));
      res.on('error', (e) => settle(e.message));
    });
    const timer = setTimeout(() => {
      settle(`no answer within ${timeoutMs} ms`);
      req.destroy();
    }, timeoutMs);
    req.on('error', (e) => settle((e as NodeJS.ErrnoException).code ?? e.message));
  });
