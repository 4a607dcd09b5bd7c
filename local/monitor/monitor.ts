import http from 'node:http';
import { performance } from 'node:perf_hooks';
import * as z from 'zod';
import { ConfigurationError } from '../../shared/errors';
import type { Metrics, ResolvedTarget } from '../../shared/domain/execution';
import type { Template } from '../../shared/domain/template';
import type { AlarmSource, BusEvent, Clock, HealthCheck, MetricsSource, SeriesResult } from '../../shared/ports';
import { seriesOf, type PeriodFigures } from '../../shared/domain/series';
import type { DemoFleet, DependencyStatus, ReplicaStatus } from '../fleet';
import {
  AlarmEvaluator,
  DEFAULT_LOCAL_ALARMS,
  parseAlarmDefinitions,
  type AlarmDefinition,
  type AlarmStateChangeDetail,
  type AlarmStateValue,
} from './alarms';
import { MetricSeries, type HostSample } from './series';
import { summarizeHealth, summarizeHosts, summarizeProbes, type MemberFigures, type ProbeSummary } from './statistics';
import { describeProblems } from '../../shared/problems';

/** What the monitor reads of the fleet. */
export type MonitoredFleet = Pick<DemoFleet, 'loadBalancerUrl' | 'replicas' | 'dependency' | 'hostFigures'>;

const settingsSchema = z
  .object({
    /** Probes per second through the load balancer. */
    probeRatePerSecond: z.number().min(0.1).max(1_000).default(20),
    /** Most probes in flight at once; a tick beyond it is counted as skipped, not sent. */
    probeConcurrency: z.number().int().min(1).max(1_000).default(64),
    /** A probe without a complete answer in this time fails as `timeout`. */
    probeTimeoutMs: z.number().int().min(10).max(60_000).default(2_000),
    probePath: z.string().startsWith('/').default('/'),
    /** How often the members' host figures and the load balancer's view are sampled. */
    hostSampleIntervalMs: z.number().int().min(50).max(60_000).default(500),
    retentionMs: z
      .number()
      .int()
      .min(1_000)
      .default(30 * 60_000),
    /** What `steady()` asks of the recent past. */
    steady: z
      .object({
        windowMs: z.number().int().min(100).default(3_000),
        minAvailabilityPercent: z.number().min(0).max(100).default(99),
        maxP95LatencyMs: z.number().positive().default(500),
        minRequests: z.number().int().min(1).default(5),
      })
      .strict()
      .default({ windowMs: 3_000, minAvailabilityPercent: 99, maxP95LatencyMs: 500, minRequests: 5 }),
    /** Window of the "recent" figures in `snapshot()`. */
    snapshotWindowMs: z.number().int().min(100).default(5_000),
    /** Account and region stamped on alarm events (the embedded runtime's own). */
    account: z
      .string()
      .regex(/^\d{12}$/, '12 digits')
      .default('000000000000'),
    /** Left out: AWS_REGION when the monitor is built, else us-east-1. */
    region: z.string().min(1).optional(),
    /** An evaluation runs this long after its period's end, so that the period's samples are in. */
    evaluationDelayMs: z.number().int().min(0).max(10_000).default(25),
  })
  .strict();

export type LocalMonitorSettings = z.input<typeof settingsSchema>;

export interface LocalMonitorOptions extends LocalMonitorSettings {
  fleet: MonitoredFleet;
  /** Receives every alarm state change, shaped exactly like AWS's "CloudWatch Alarm State Change". */
  onAlarmEvent?: (event: BusEvent<AlarmStateChangeDetail>) => void | Promise<void>;
  /** A failed alarm-event delivery; by default written to stderr. */
  onError?: (error: unknown) => void;
  /** Alarm definitions of the local environment; DEFAULT_LOCAL_ALARMS when left out. */
  alarms?: readonly AlarmDefinition[];
  clock?: Clock;
}

/** Figures over a window: probes, the load balancer's view and every member's host figures. */
export interface WindowFigures extends ProbeSummary {
  from: string;
  to: string;
  healthyReplicas?: { min: number; max: number };
  members: Record<string, MemberFigures>;
}

export interface MonitorSnapshot {
  at: string;
  loadBalancerUrl: string;
  probing: { ratePerSecond: number; inFlight: number; skipped: number; running: boolean };
  /** Figures over the last `snapshotWindowMs`. */
  recent: WindowFigures & { requestsPerSecond: number };
  replicas: (ReplicaStatus & Partial<Pick<HostSample, 'cpuPercent' | 'rssMb' | 'diskMb'>>)[];
  dependency: DependencyStatus & Partial<Pick<HostSample, 'cpuPercent' | 'rssMb' | 'diskMb'>>;
  alarms: { name: string; state: AlarmStateValue; reason: string; since: string }[];
}

const systemClock: Clock = { now: () => new Date() };

/**
 * Watches the demo fleet as CloudWatch and a synthetic canary would: probes through the load
 * balancer at a steady rate, samples every member's host figures, evaluates the local alarms on
 * their periods and emits a "CloudWatch Alarm State Change" event on every state change.
 * It serves the domain as MetricsSource, AlarmSource and HealthCheck.
 */
export class LocalMonitor implements MetricsSource, AlarmSource, HealthCheck {
  /** Every sample measured; exposed so that tests and displays can read (or feed) it. */
  readonly series: MetricSeries;
  private readonly settings: z.output<typeof settingsSchema>;
  private readonly fleet: MonitoredFleet;
  private readonly clock: Clock;
  private readonly evaluator: AlarmEvaluator;
  private readonly onAlarmEvent: LocalMonitorOptions['onAlarmEvent'];
  private readonly onError: (error: unknown) => void;
  private readonly agent: http.Agent;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly pending = new Set<Promise<unknown>>();
  private delivery: Promise<void> = Promise.resolve();
  private running = false;
  private inFlight = 0;
  private skipped = 0;
  private sampling = false;

  constructor(options: LocalMonitorOptions) {
    const { fleet, onAlarmEvent, onError, alarms, clock, ...rest } = options;
    const parsed = settingsSchema.safeParse(rest);
    if (!parsed.success) {
      throw new ConfigurationError(`invalid local monitor options: ${describeProblems(parsed.error)}`);
    }
    this.settings = parsed.data;
    this.fleet = fleet;
    this.clock = clock ?? systemClock;
    this.onAlarmEvent = onAlarmEvent;
    this.onError =
      onError ?? ((error) => process.stderr.write(`local monitor: alarm event delivery failed: ${String(error)}\n`));
    this.series = new MetricSeries(this.settings.retentionMs);
    this.evaluator = new AlarmEvaluator({
      definitions: parseAlarmDefinitions(alarms ?? DEFAULT_LOCAL_ALARMS),
      series: this.series,
      account: this.settings.account,
      region: this.settings.region ?? (process.env.AWS_REGION || 'us-east-1'),
      now: () => this.clock.now(),
    });
    this.agent = new http.Agent({ keepAlive: true, maxSockets: this.settings.probeConcurrency });
  }

  /** Starts probing, sampling and evaluating alarms. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.every(1000 / this.settings.probeRatePerSecond, () => this.probe());
    this.every(this.settings.hostSampleIntervalMs, () => this.sample());
    this.sample();
    for (const definition of this.evaluator.definitions()) this.scheduleEvaluation(definition);
  }

  /** Stops every timer and waits for probes and samples in flight. Idempotent. */
  async stop(): Promise<void> {
    this.running = false;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.agent.destroy();
    await Promise.allSettled([...this.pending]);
    await this.delivery;
  }

  /** Figures over [from, to). */
  figures(window: { from: Date; to: Date }): WindowFigures {
    const from = window.from.getTime();
    const to = window.to.getTime();
    const healthyReplicas = summarizeHealth(this.series.health(from, to));
    return {
      from: window.from.toISOString(),
      to: window.to.toISOString(),
      ...summarizeProbes(this.series.probes(from, to)),
      ...(healthyReplicas ? { healthyReplicas } : {}),
      members: summarizeHosts(this.series.hosts(from, to)),
    };
  }

  /** Figures over the last `ms` milliseconds. */
  recent(ms: number): WindowFigures {
    const to = this.clock.now();
    return this.figures({ from: new Date(to.getTime() - ms), to });
  }

  /** MetricsSource: the probes' availability and latency over the window (one system: the template does not narrow it). */
  async measure(_template: Template, window: { from: Date; to: Date }): Promise<Metrics> {
    const summary = summarizeProbes(this.series.probes(window.from.getTime(), window.to.getTime()));
    return {
      requests: summary.requests,
      from: window.from.toISOString(),
      to: window.to.toISOString(),
      ...(summary.availabilityPercent === undefined ? {} : { availabilityPercent: summary.availabilityPercent }),
      ...(summary.latencyMs ? { latencyMs: { ...summary.latencyMs } } : {}),
    };
  }

  /**
   * MetricsSource: the probes' figures per period (at least a second), and the busiest member's
   * CPU, over the window.
   */
  async timeSeries(
    _template: Template,
    window: { from: Date; to: Date },
    periodSeconds: number,
  ): Promise<SeriesResult> {
    const period = Math.max(1, Math.ceil(periodSeconds));
    const stepMs = period * 1000;
    const periods: PeriodFigures[] = [];
    for (let start = window.from.getTime(); start < window.to.getTime(); start += stepMs) {
      const end = Math.min(start + stepMs, window.to.getTime());
      const probes = summarizeProbes(this.series.probes(start, end));
      const cpu = this.series.hosts(start, end).map((h) => h.cpuPercent);
      periods.push({
        start,
        ...(probes.requests > 0 ? { requests: (probes.requests * stepMs) / (end - start) } : {}),
        ...(probes.availabilityPercent === undefined ? {} : { availabilityPercent: probes.availabilityPercent }),
        ...(probes.latencyMs ? { latencyMs: probes.latencyMs } : {}),
        ...(cpu.length ? { extra: { maxCpuPercent: Math.max(...cpu) } } : {}),
      });
    }
    return {
      periodSeconds: period,
      series: seriesOf(periods, period, [{ name: 'maxCpuPercent', label: "Busiest member's CPU", unit: '%' }]),
    };
  }

  /**
   * HealthCheck: steady when every replica is up and in rotation, the dependency is up, and the
   * recent probes are back to steady figures (availability and p95).
   */
  async steady(_template: Template, targets: readonly ResolvedTarget[]): Promise<{ steady: boolean; detail?: string }> {
    const problems: string[] = [];
    const replicas = this.fleet.replicas();
    for (const t of targets) {
      if (t.resourceType === 'local:replica' && !replicas.some((r) => r.name === t.id))
        problems.push(`target ${t.id} is not a replica of the fleet`);
    }
    for (const r of replicas)
      if (!r.healthy) problems.push(`${r.name} is ${r.state === 'running' ? 'not in rotation' : r.state}`);
    const dependency = this.fleet.dependency();
    if (!dependency.up)
      problems.push(
        `dependency ${dependency.name} is ${dependency.state === 'running' ? 'not answering' : dependency.state}`,
      );
    const { windowMs, minAvailabilityPercent, maxP95LatencyMs, minRequests } = this.settings.steady;
    const recent = this.recent(windowMs);
    if (recent.requests < minRequests) problems.push(`only ${recent.requests} probes in the last ${windowMs} ms`);
    else {
      if (recent.availabilityPercent! < minAvailabilityPercent) {
        problems.push(
          `availability ${recent.availabilityPercent}% < ${minAvailabilityPercent}% over the last ${windowMs} ms`,
        );
      }
      if (recent.latencyMs!.p95 > maxP95LatencyMs)
        problems.push(`p95 ${recent.latencyMs!.p95} ms > ${maxP95LatencyMs} ms over the last ${windowMs} ms`);
    }
    if (problems.length > 0) return { steady: false, detail: problems.join('; ') };
    return {
      steady: true,
      detail: `${replicas.length} replicas in rotation, dependency up, availability ${recent.availabilityPercent}%, p95 ${recent.latencyMs!.p95} ms`,
    };
  }

  /** AlarmSource: the named alarms in ALARM; names not defined locally are missing. */
  async inAlarm(alarmNames: readonly string[]): Promise<{ inAlarm: string[]; missing: string[] }> {
    const inAlarm: string[] = [];
    const missing: string[] = [];
    for (const name of alarmNames) {
      const state = this.evaluator.state(name);
      if (!state) missing.push(name);
      else if (state.value === 'ALARM') inAlarm.push(name);
    }
    return { inAlarm, missing };
  }

  alarmStates(): { name: string; state: AlarmStateValue; reason: string; since: string }[] {
    return this.evaluator.definitions().map((d) => {
      const s = this.evaluator.state(d.name)!;
      return { name: d.name, state: s.value, reason: s.reason, since: s.timestamp };
    });
  }

  alarmDefinitions(): AlarmDefinition[] {
    return this.evaluator.definitions();
  }

  /**
   * Evaluates every alarm now (or at `at`) and delivers the state changes; the timers do this on
   * each period's end. Resolves when the events were delivered.
   */
  async evaluateAlarms(at: Date = this.clock.now()): Promise<BusEvent<AlarmStateChangeDetail>[]> {
    const events = this.evaluator.evaluateAll(at);
    for (const e of events) this.deliver(e);
    await this.delivery;
    return events;
  }

  /** Current figures for display. */
  snapshot(): MonitorSnapshot {
    const now = this.clock.now();
    const windowMs = this.settings.snapshotWindowMs;
    const recent = this.figures({ from: new Date(now.getTime() - windowMs), to: now });
    const latest = new Map(this.series.latestHosts().map((h) => [h.name, h]));
    const host = (name: string, pid: number | undefined) => {
      const h = latest.get(name);
      return h && h.pid === pid ? { cpuPercent: h.cpuPercent, rssMb: h.rssMb, diskMb: h.diskMb } : {};
    };
    const dependency = this.fleet.dependency();
    return {
      at: now.toISOString(),
      loadBalancerUrl: this.fleet.loadBalancerUrl,
      probing: {
        ratePerSecond: this.settings.probeRatePerSecond,
        inFlight: this.inFlight,
        skipped: this.skipped,
        running: this.running,
      },
      recent: { ...recent, requestsPerSecond: Math.round((recent.requests / (windowMs / 1000)) * 10) / 10 },
      replicas: this.fleet.replicas().map((r) => ({ ...r, ...host(r.name, r.pid) })),
      dependency: { ...dependency, ...host(dependency.name, dependency.pid) },
      alarms: this.alarmStates(),
    };
  }

  private every(ms: number, run: () => void): void {
    const timer = setInterval(run, ms);
    this.timers.add(timer);
  }

  private track<T>(promise: Promise<T>): void {
    this.pending.add(promise);
    promise.finally(() => this.pending.delete(promise)).catch(() => undefined);
  }

  private probe(): void {
    if (!this.running) return;
    if (this.inFlight >= this.settings.probeConcurrency) {
      this.skipped += 1;
      return;
    }
    this.inFlight += 1;
    this.track(
      probeOnce(
        `${this.fleet.loadBalancerUrl}${this.settings.probePath}`,
        this.agent,
        this.settings.probeTimeoutMs,
      ).then((outcome) => {
        this.inFlight -= 1;
        if (!this.running) return;
        this.series.recordProbe({ at: this.clock.now().getTime(), ...outcome });
      }),
    );
  }

  private sample(): void {
    if (!this.running || this.sampling) return;
    const now = this.clock.now().getTime();
    const replicas = this.fleet.replicas();
    this.series.recordHealth({
      at: now,
      healthyReplicas: replicas.filter((r) => r.healthy).length,
      replicas: replicas.length,
      dependencyUp: this.fleet.dependency().up,
    });
    this.series.prune(now);
    this.sampling = true;
    this.track(
      this.fleet
        .hostFigures(Math.max(100, this.settings.hostSampleIntervalMs * 2))
        .then((figures) => {
          if (!this.running) return;
          const at = this.clock.now().getTime();
          for (const f of figures) {
            this.series.recordHost({
              at,
              name: f.name,
              role: f.role,
              pid: f.pid,
              cpuPercent: f.cpuPercent,
              rssMb: f.rssMb,
              diskMb: f.diskMb,
            });
          }
        })
        .catch(() => undefined)
        .finally(() => {
          this.sampling = false;
        }),
    );
  }

  /** Evaluates an alarm just after each end of its period, like CloudWatch. */
  private scheduleEvaluation(definition: AlarmDefinition): void {
    if (!this.running) return;
    const periodMs = Math.round(definition.periodSeconds * 1000);
    const now = this.clock.now().getTime();
    const nextEnd = (Math.floor(now / periodMs) + 1) * periodMs;
    const timer = setTimeout(
      () => {
        this.timers.delete(timer);
        if (!this.running) return;
        const event = this.evaluator.evaluate(definition.name, this.clock.now());
        if (event) this.deliver(event);
        this.scheduleEvaluation(definition);
      },
      nextEnd + this.settings.evaluationDelayMs - now,
    );
    this.timers.add(timer);
  }

  /** Events are delivered one after another, in the order the states changed. */
  private deliver(event: BusEvent<AlarmStateChangeDetail>): void {
    const handler = this.onAlarmEvent;
    if (!handler) return;
    this.delivery = this.delivery.then(async () => {
      try {
        await handler(event);
      } catch (error) {
        this.onError(error);
      }
    });
  }
}

/** One probe: never rejects; the outcome says what happened. */
const probeOnce = (
  url: string,
  agent: http.Agent,
  timeoutMs: number,
): Promise<{ ok: boolean; latencyMs: number; status?: number; error?: string }> =>
  new Promise((resolve) => {
    const started = performance.now();
    let settled = false;
    const settle = (status: number | undefined, error?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      const latencyMs = Math.round((performance.now() - started) * 100) / 100;
      resolve({
        ok: status !== undefined && status >= 200 && status < 300,
        latencyMs,
        ...(status === undefined ? {} : { status }),
        ...(error === undefined ? {} : { error }),
      });
    };
    const req = http.get(url, { agent }, (res) => {
      res.resume();
      res.on('end', () => settle(res.statusCode));
      res.on('error', (e) => settle(undefined, (e as NodeJS.ErrnoException).code ?? e.message));
    });
    const timer = setTimeout(() => {
      settle(undefined, 'timeout');
      req.destroy();
    }, timeoutMs);
    req.on('error', (e) => settle(undefined, (e as NodeJS.ErrnoException).code ?? e.message));
  });
