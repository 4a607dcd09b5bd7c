import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as z from 'zod';
import { ConfigurationError } from '../../shared/errors';
import { forAtMost, pollUntil } from '../../shared/poll';
import { forkChild, isAlive, stopChild, withTimeout, type StartedChild } from './child-process';
import { controlRequest, type ControlEndpoint } from './control';
import { FleetError } from './errors';
import { HealthChecker } from './health-checker';
import { LoadBalancer } from './load-balancer';
import { FLEET_DIR_ENV, fleetScriptsDir } from './scripts-dir';
import { describeProblems } from '../../shared/problems';

/** Name of the dependency (the demo service's "database"). */
export const DEPENDENCY_NAME = 'db';

const optionsSchema = z
  .object({
    /** Number of replicas of the demo service. */
    replicas: z.number().int().min(1).max(16).default(3),
    /** Delay before the supervisor restarts a dead member (the stand-in for auto scaling). */
    restartDelayMs: z.number().int().min(0).max(60_000).default(1_000),
    healthCheckIntervalMs: z.number().int().min(20).max(30_000).default(250),
    healthCheckTimeoutMs: z.number().int().min(20).max(30_000).default(1_000),
    healthyThreshold: z.number().int().min(1).max(10).default(2),
    unhealthyThreshold: z.number().int().min(1).max(10).default(2),
    /** A replica's client timeout on calls to the dependency. */
    dependencyTimeoutMs: z.number().int().min(50).max(60_000).default(1_000),
    /** The load balancer answers 504 when a replica takes longer than this. */
    upstreamTimeoutMs: z.number().int().min(50).max(120_000).default(10_000),
    /** A child that has not reported ready in this time failed to start. */
    startTimeoutMs: z.number().int().min(100).max(120_000).default(10_000),
    /** Where the fleet's temporary directory is created. */
    tempRoot: z.string().min(1).optional(),
    scriptsDir: z.string().min(1).optional(),
    /** Diagnostics (restarts, start failures); silent by default. */
    log: z.custom<(line: string) => void>((v) => typeof v === 'function').optional(),
  })
  .strict();

export type DemoFleetOptions = z.input<typeof optionsSchema>;
type Settings = z.output<typeof optionsSchema>;

export type MemberRole = 'replica' | 'dependency';

/**
 * `starting`: the process is being started; `running`: it is up; `restarting`: it died and the
 * supervisor will start it again; `held-down`: stopped on purpose until a deadline (database
 * failure); `stopped`: the fleet is stopped.
 */
type MemberState = 'starting' | 'running' | 'restarting' | 'held-down' | 'stopped';

interface MemberStatus {
  name: string;
  role: MemberRole;
  state: MemberState;
  pid?: number;
  port?: number;
  /** The member's control port (fault injection, host figures); it refuses requests without the fleet's token. */
  controlPort?: number;
  /** In rotation (replicas) or answering its health check (dependency). */
  healthy: boolean;
  /** How many times the supervisor started it again. */
  restarts: number;
  startedAt?: string;
  diskDir: string;
}

export interface ReplicaStatus extends MemberStatus {
  role: 'replica';
}

export interface DependencyStatus extends MemberStatus {
  role: 'dependency';
  /** Process running and answering its health check. */
  up: boolean;
  /** Set while a database failure holds it down. */
  heldDownUntil?: string;
}

/** A fault active inside a member, as the member reports it. */
interface ActiveFault {
  id: string;
  type: string;
  parameters: Record<string, unknown>;
  expiresAt: string;
  detail: Record<string, unknown>;
}

/** Host-level figures of one member: what the CloudWatch agent would report on an instance. */
interface HostFigures {
  name: string;
  role: MemberRole;
  pid: number;
  at: string;
  /** CPU of the whole process (all threads) over the last ~500 ms; 100 = one core. */
  cpuPercent: number;
  rssMb: number;
  /** Bytes used in the member's disk directory, in MB. */
  diskMb: number;
  faults: ActiveFault[];
}

interface Member {
  name: string;
  role: MemberRole;
  diskDir: string;
  state: MemberState;
  restarts: number;
  failures: number;
  child?: ChildProcess;
  pid?: number;
  port?: number;
  controlPort?: number;
  /** The last port it listened on: the dependency asks for it again on restart. */
  lastPort?: number;
  startedAt?: Date;
  exited?: Promise<void>;
  starting?: Promise<void>;
  restartTimer?: NodeJS.Timeout;
  heldUntil?: Date;
  holdTimer?: NodeJS.Timeout;
}

const MAX_RESTART_BACKOFF_MS = 10_000;
const KILL_GRACE_MS = 2_000;

/**
 * The system under test on one machine: replicas of a small HTTP service (real processes on free
 * loopback ports) behind a load balancer, a dependency process they call (their "database"), and a
 * supervisor that restarts a dead member under the same name (the local stand-in for auto scaling).
 *
 * `stop()` kills every child and removes the temporary directory; it is idempotent and also runs
 * when `start()` fails. Children exit by themselves when this process dies.
 */
export class DemoFleet {
  private readonly settings: Settings;
  private readonly token = randomBytes(16).toString('hex');
  private readonly replicaHealth: HealthChecker;
  private readonly dependencyHealth: HealthChecker;
  private readonly balancer: LoadBalancer;
  private readonly members: Member[] = [];
  private readonly spawned: number[] = [];
  private root: string | undefined;
  private started = false;
  private stopping: Promise<void> | undefined;
  private readonly killOnExit = () => {
    for (const m of this.members) m.child?.kill('SIGKILL');
  };

  constructor(options: DemoFleetOptions = {}) {
    const parsed = optionsSchema.safeParse(options);
    if (!parsed.success) {
      throw new ConfigurationError(`invalid demo fleet options: ${describeProblems(parsed.error)}`);
    }
    this.settings = parsed.data;
    const checks = {
      intervalMs: this.settings.healthCheckIntervalMs,
      timeoutMs: this.settings.healthCheckTimeoutMs,
      healthyThreshold: this.settings.healthyThreshold,
      unhealthyThreshold: this.settings.unhealthyThreshold,
      path: '/health',
    };
    this.replicaHealth = new HealthChecker(checks);
    this.dependencyHealth = new HealthChecker(checks);
    this.balancer = new LoadBalancer(this.replicaHealth, {
      upstreamTimeoutMs: this.settings.upstreamTimeoutMs,
      maxBodyBytes: 1024 * 1024,
    });
  }

  /** Starts the dependency, the replicas and the load balancer; resolves when every replica takes traffic. */
  async start(): Promise<void> {
    if (this.started) throw new FleetError('the demo fleet was already started');
    this.started = true;
    try {
      const scripts = this.settings.scriptsDir ?? fleetScriptsDir();
      for (const script of ['replica.js', 'dependency.js', 'child.js']) {
        if (!existsSync(path.join(scripts, script))) {
          throw new FleetError(
            `the fleet's child scripts are not in ${scripts} (no ${script}); a bundled build sets ${FLEET_DIR_ENV} to where it copied them`,
          );
        }
      }
      this.root = await mkdtemp(path.join(this.settings.tempRoot ?? os.tmpdir(), 'faultline-fleet-'));
      process.on('exit', this.killOnExit);
      this.members.push(this.member(DEPENDENCY_NAME, 'dependency'));
      for (let i = 1; i <= this.settings.replicas; i++) this.members.push(this.member(`replica-${i}`, 'replica'));
      await Promise.all(this.members.map((m) => mkdir(m.diskDir, { recursive: true })));
      await this.balancer.start();
      this.replicaHealth.start();
      this.dependencyHealth.start();
      await this.spawn(this.dependencyMember());
      await Promise.all(this.replicaMembers().map((m) => this.spawn(m)));
      await this.waitUntil(
        () => this.replicas().every((r) => r.healthy) && this.dependency().up,
        this.settings.startTimeoutMs,
        'replicas and dependency to pass their health checks',
      );
    } catch (error) {
      await this.stop().catch(() => undefined);
      throw error instanceof FleetError
        ? error
        : new FleetError(`the demo fleet did not start: ${(error as Error).message}`, { cause: error });
    }
  }

  /** Kills every child, closes the load balancer and removes the temporary directory. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  get loadBalancerUrl(): string {
    return this.balancer.url;
  }

  /** The fleet's temporary directory (members' disk directories live under it). */
  get tempDir(): string {
    if (!this.root) throw new FleetError('the demo fleet is not started');
    return this.root;
  }

  replicas(): ReplicaStatus[] {
    return this.replicaMembers().map((m) => ({ ...this.statusOf(m), role: 'replica' }));
  }

  replica(name: string): ReplicaStatus | undefined {
    return this.replicas().find((r) => r.name === name);
  }

  dependency(): DependencyStatus {
    const m = this.dependencyMember();
    const status = this.statusOf(m);
    return {
      ...status,
      role: 'dependency',
      up: m.state === 'running' && status.healthy,
      ...(m.heldUntil ? { heldDownUntil: m.heldUntil.toISOString() } : {}),
    };
  }

  /** Every pid this fleet ever started (restarted members included). */
  spawnedPids(): number[] {
    return [...this.spawned];
  }

  /** Host figures of every running member; a member that does not answer is left out. */
  async hostFigures(timeoutMs = 1_000): Promise<HostFigures[]> {
    const running = this.members.filter((m) => m.state === 'running' && m.controlPort !== undefined);
    const figures = await Promise.all(
      running.map((m) =>
        controlRequest<HostFigures>(this.endpoint(m), 'GET', '/stats', { timeoutMs }).catch(() => undefined),
      ),
    );
    return figures.filter((f): f is HostFigures => f !== undefined);
  }

  /** Faults active in the running members, by member name. */
  async activeFaults(): Promise<Record<string, ActiveFault[]>> {
    const out: Record<string, ActiveFault[]> = {};
    for (const f of await this.hostFigures()) out[f.name] = f.faults;
    return out;
  }

  /**
   * Applies a fault inside a member; resolves once the member reports it in effect. The member ends
   * it by itself at `expiresAt`.
   */
  async applyFault(
    memberName: string,
    fault: { id: string; type: string; parameters: Record<string, unknown>; expiresAt: Date },
    timeoutMs = 60_000,
  ): Promise<{ pid: number; fault: ActiveFault }> {
    const m = this.memberNamed(memberName);
    if (m.state !== 'running' || m.pid === undefined) throw new FleetError(`${memberName} is not running (${m.state})`);
    const pid = m.pid;
    const applied = await controlRequest<ActiveFault>(
      this.endpoint(m),
      'PUT',
      `/faults/${encodeURIComponent(fault.id)}`,
      {
        body: { type: fault.type, parameters: fault.parameters, expiresAt: fault.expiresAt.toISOString() },
        timeoutMs,
      },
    );
    return { pid, fault: applied };
  }

  /**
   * Removes a fault from the member process `pid`. When that process is gone, so is the fault
   * (`process-gone`); when it is alive but cannot be reached, this throws.
   */
  async removeFault(
    memberName: string,
    faultId: string,
    pid: number,
  ): Promise<'reverted' | 'not-active' | 'process-gone'> {
    const m = this.memberNamed(memberName);
    if (m.pid !== pid || m.state !== 'running') {
      if (!isAlive(pid)) return 'process-gone';
      throw new FleetError(`${memberName}: process ${pid} is alive but no longer reachable through the fleet`);
    }
    try {
      const { reverted } = await controlRequest<{ reverted: boolean }>(
        this.endpoint(m),
        'DELETE',
        `/faults/${encodeURIComponent(faultId)}`,
      );
      return reverted ? 'reverted' : 'not-active';
    } catch (error) {
      if (!isAlive(pid)) return 'process-gone';
      throw error;
    }
  }

  /** SIGKILLs a member's process; resolves once it is dead. The supervisor starts it again. */
  async terminate(memberName: string): Promise<{ pid: number }> {
    const m = this.memberNamed(memberName);
    const child = m.child;
    if (m.state !== 'running' || !child || m.pid === undefined)
      throw new FleetError(`${memberName} is not running (${m.state})`);
    const pid = m.pid;
    const exited = m.exited!;
    child.kill('SIGKILL');
    await withTimeout(exited, 5_000, `${memberName} (pid ${pid}) did not die after SIGKILL`);
    return { pid };
  }

  /**
   * Stops the dependency and keeps it down until `until` (or `releaseDependency()`), when it is
   * started again. The deadline lives in the fleet, since the process itself is gone.
   */
  async holdDependencyDown(until: Date): Promise<{ pid?: number }> {
    const m = this.dependencyMember();
    if (this.stopping) throw new FleetError('the demo fleet is stopping');
    if (until.getTime() <= Date.now())
      throw new FleetError(`hold deadline ${until.toISOString()} is not in the future`);
    m.heldUntil = until;
    clearTimeout(m.holdTimer);
    m.holdTimer = setTimeout(() => {
      this.releaseDependency().catch((error) =>
        this.log(`${m.name}: restart after hold failed: ${(error as Error).message}`),
      );
    }, until.getTime() - Date.now());
    clearTimeout(m.restartTimer);
    m.restartTimer = undefined;
    await m.starting?.catch(() => undefined);
    const pid = m.pid;
    if (m.child) await this.kill(m);
    m.state = 'held-down';
    return pid === undefined ? {} : { pid };
  }

  /** Ends a hold and starts the dependency; resolves when it is running. A no-op when it runs already. */
  async releaseDependency(): Promise<void> {
    const m = this.dependencyMember();
    clearTimeout(m.holdTimer);
    m.holdTimer = undefined;
    m.heldUntil = undefined;
    if (this.stopping) return;
    if (m.state === 'running') return;
    clearTimeout(m.restartTimer);
    m.restartTimer = undefined;
    await this.spawn(m);
  }

  private member(name: string, role: MemberRole): Member {
    return { name, role, diskDir: path.join(this.tempDir, name), state: 'starting', restarts: 0, failures: 0 };
  }

  private memberNamed(name: string): Member {
    const m = this.members.find((x) => x.name === name);
    if (!m) throw new FleetError(`no fleet member named ${name}`);
    return m;
  }

  private dependencyMember(): Member {
    return this.memberNamed(DEPENDENCY_NAME);
  }

  private replicaMembers(): Member[] {
    return this.members.filter((m) => m.role === 'replica');
  }

  private statusOf(m: Member): MemberStatus {
    const health = m.role === 'replica' ? this.replicaHealth : this.dependencyHealth;
    return {
      name: m.name,
      role: m.role,
      state: m.state,
      healthy: m.state === 'running' && health.isHealthy(m.name),
      restarts: m.restarts,
      diskDir: m.diskDir,
      ...(m.state === 'running' && m.pid !== undefined ? { pid: m.pid } : {}),
      ...(m.state === 'running' && m.port !== undefined ? { port: m.port } : {}),
      ...(m.state === 'running' && m.controlPort !== undefined ? { controlPort: m.controlPort } : {}),
      ...(m.startedAt ? { startedAt: m.startedAt.toISOString() } : {}),
    };
  }

  private endpoint(m: Member): ControlEndpoint {
    if (m.controlPort === undefined) throw new FleetError(`${m.name} has no control port`);
    return { member: m.name, port: m.controlPort, token: this.token };
  }

  private dependencyUrl(): string {
    const port = this.dependencyMember().lastPort;
    // Before the dependency ever ran there is nothing to call; port 9 (discard) is refused.
    return `http://127.0.0.1:${port ?? 9}`;
  }

  private log(line: string): void {
    this.settings.log?.(line);
  }

  /** Starts the member's process and waits for it to report ready. Concurrent calls share one start. */
  private spawn(m: Member): Promise<void> {
    m.starting ??= this.startProcess(m).finally(() => {
      m.starting = undefined;
    });
    return m.starting;
  }

  private async startProcess(m: Member): Promise<void> {
    if (this.stopping) throw new FleetError('the demo fleet is stopping');
    m.state = 'starting';
    if (m.role === 'replica') {
      // A replacement instance gets a fresh disk: what a dead one wrote is gone with it.
      await rm(m.diskDir, { recursive: true, force: true });
      await mkdir(m.diskDir, { recursive: true });
    }
    const config = {
      role: m.role,
      name: m.name,
      port: m.role === 'dependency' ? (m.lastPort ?? 0) : 0,
      controlToken: this.token,
      diskDir: m.diskDir,
      dependencyUrl: this.dependencyUrl(),
      dependencyTimeoutMs: this.settings.dependencyTimeoutMs,
    };
    const script = path.join(
      this.settings.scriptsDir ?? fleetScriptsDir(),
      m.role === 'replica' ? 'replica.js' : 'dependency.js',
    );
    let started: StartedChild;
    try {
      started = await forkChild(script, config, {
        startTimeoutMs: this.settings.startTimeoutMs,
        onSpawn: (pid) => this.spawned.push(pid),
        onExit: (child, code, signal) => {
          if (m.child === child) this.onExit(m, code, signal);
        },
      });
    } catch (error) {
      m.state = this.stopping ? 'stopped' : 'restarting';
      throw new FleetError(`${m.name} did not start: ${(error as Error).message}`, { cause: error });
    }
    const { child, ready, exited } = started;

    m.child = child;
    m.pid = ready.pid;
    m.port = ready.port;
    m.controlPort = ready.controlPort;
    m.exited = exited;
    m.startedAt = new Date();
    m.state = 'running';
    const portChanged = m.lastPort !== undefined && m.lastPort !== ready.port;
    m.lastPort = ready.port;
    if (this.stopping) {
      await this.kill(m);
      throw new FleetError('the demo fleet is stopping');
    }
    if (m.role === 'replica') {
      this.replicaHealth.register(m.name, ready.port);
      // The dependency may have moved while this replica was starting.
      if (config.dependencyUrl !== this.dependencyUrl()) await this.pushDependencyUrl(m);
    } else {
      this.dependencyHealth.register(m.name, ready.port);
      if (portChanged)
        await Promise.all(
          this.replicaMembers()
            .filter((r) => r.state === 'running')
            .map((r) => this.pushDependencyUrl(r)),
        );
    }
  }

  private async pushDependencyUrl(replica: Member): Promise<void> {
    await controlRequest(this.endpoint(replica), 'PUT', '/config', {
      body: { dependencyUrl: this.dependencyUrl() },
    }).catch((error) =>
      this.log(`${replica.name}: could not update the dependency address: ${(error as Error).message}`),
    );
  }

  /** The supervisor: a member that died is started again after a delay, unless held down or stopping. */
  private onExit(m: Member, code: number | null, signal: NodeJS.Signals | null): void {
    m.child = undefined;
    m.pid = undefined;
    m.port = undefined;
    m.controlPort = undefined;
    (m.role === 'replica' ? this.replicaHealth : this.dependencyHealth).deregister(m.name);
    if (this.stopping) {
      m.state = 'stopped';
      return;
    }
    if (m.heldUntil) {
      m.state = 'held-down';
      return;
    }
    this.log(`${m.name} exited (code ${code}, signal ${signal}); restarting in ${this.settings.restartDelayMs} ms`);
    m.state = 'restarting';
    this.scheduleRestart(m, this.settings.restartDelayMs);
  }

  private scheduleRestart(m: Member, delayMs: number): void {
    clearTimeout(m.restartTimer);
    m.restartTimer = setTimeout(() => {
      m.restartTimer = undefined;
      if (this.stopping || m.heldUntil || m.state === 'running') return;
      this.spawn(m).then(
        () => {
          m.restarts += 1;
          m.failures = 0;
        },
        (error) => {
          if (this.stopping) return;
          m.failures += 1;
          const next = Math.min(Math.max(delayMs, 100) * 2, MAX_RESTART_BACKOFF_MS);
          this.log(`${m.name}: restart failed (${(error as Error).message}); next try in ${next} ms`);
          this.scheduleRestart(m, next);
        },
      );
    }, delayMs);
  }

  /** Stops the member's process; resolves when it is gone. */
  private async kill(m: Member): Promise<void> {
    if (m.child && m.exited) await stopChild(m.child, m.exited, KILL_GRACE_MS, m.name);
  }

  private async shutdown(): Promise<void> {
    const problems: string[] = [];
    this.replicaHealth.stop();
    this.dependencyHealth.stop();
    for (const m of this.members) {
      clearTimeout(m.restartTimer);
      clearTimeout(m.holdTimer);
    }
    await this.balancer.stop().catch((e) => problems.push(`load balancer: ${(e as Error).message}`));
    await Promise.all(this.members.map((m) => m.starting?.catch(() => undefined)));
    await Promise.all(this.members.map((m) => this.kill(m).catch((e) => problems.push((e as Error).message))));
    for (const m of this.members) m.state = 'stopped';
    process.off('exit', this.killOnExit);
    if (this.root)
      await rm(this.root, { recursive: true, force: true }).catch((e) =>
        problems.push(`temp dir: ${(e as Error).message}`),
      );
    if (problems.length > 0) throw new FleetError(`the demo fleet did not stop cleanly: ${problems.join('; ')}`);
  }

  private async waitUntil(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
    const { done } = await pollUntil(
      forAtMost(timeoutMs, 25),
      async () => condition(),
      (met) => met,
    );
    if (!done) throw new FleetError(`timed out after ${timeoutMs} ms waiting for ${what}`);
  }
}
