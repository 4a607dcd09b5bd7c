import type fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import { ExperimentRequested, SafetyViolated, ScheduledEvent } from '../../events';
import { isFinal, type Execution, type FaultRecord, type ResolvedTarget } from '../../shared/domain/execution';
import { ALL_FAULT_TYPES, type FaultType } from '../../shared/domain/faults';
import { parseTemplate, type TemplateInput } from '../../shared/domain/template';
import { defaultSettings, type PhaseDependencies } from '../../shared/phases/dependencies';
import { PHASES } from '../../shared/phases/definitions';
import type {
  BusEntry,
  BusEvent,
  Clock,
  FaultProvider,
  FaultProviders,
  InjectOutcome,
  InjectRequest,
  Timer,
} from '../../shared/ports';
import { silentLogger } from '../../shared/lambda/logger';
import { createPhaseHandler } from '../../shared/lambda/phase-handler';
import type { Store } from '../../shared/store/execution-store';
import { StaticAlarms, StaticHealth, StaticMetrics, StaticTargets } from '../../testing/in-memory';
import { InMemoryStore } from '../../testing/in-memory-store';
import { chainHead, chainProblems } from '../../shared/domain/journal-chain';

type Scheduler = fc.Scheduler<unknown>;

/** What a schedule may throw at the system: each is drawn per schedule by `hostility`. */
export interface Hostility {
  /** Each published event is also delivered again under a new id (a publisher's retry). */
  duplicateNewId: boolean;
  /** Each published event is also delivered again under its own id (a redelivery). */
  duplicateSameId: boolean;
  /** Injections fail this many times before they work (each failure a failed call). */
  injectFailures: number;
  /** Injections take this many scheduling steps, each moving the clock on by a second. */
  injectSlowness: number;
  /** Reverts fail this many times before they work. */
  revertFailures: number;
  /** Store writes throttled (thrown) before they go through, in all. */
  throttledWrites: number;
  /** A stop-condition alarm fires at some moment. */
  alarm: boolean;
  /** The halt switch is thrown at some moment. */
  halt: boolean;
  /** Experiments requested at once (competing for the fleet). */
  experiments: number;
}

/** A fault as the world saw it: when it was active, on which target, for which execution. */
interface Activity {
  executionId: string;
  targetKey: string;
  from: number;
  to?: number;
}

/** The in-memory fault provider of the interleaving world: slow, failing, and keeping the truth. */
class HostileFaults implements FaultProviders, FaultProvider {
  readonly provider = 'local' as const;
  readonly faultTypes: readonly FaultType[] = ALL_FAULT_TYPES;
  readonly activity: Activity[] = [];
  /** Two experiments' faults on one target at once. */
  readonly overlaps: string[] = [];
  private injectFailuresLeft: number;
  private revertFailuresLeft: number;

  constructor(
    private readonly world: World,
    hostility: Hostility,
  ) {
    this.injectFailuresLeft = hostility.injectFailures;
    this.revertFailuresLeft = hostility.revertFailures;
  }

  forFault(): FaultProvider {
    return this;
  }

  active(executionId?: string): Activity[] {
    return this.activity.filter(
      (a) => a.to === undefined && (executionId === undefined || a.executionId === executionId),
    );
  }

  async inject(request: InjectRequest): Promise<InjectOutcome> {
    await this.world.step(`inject ${request.action}@${request.target.key}`);
    if (this.injectFailuresLeft > 0) {
      this.injectFailuresLeft--;
      throw new Error(`injection of ${request.action} did not take effect`);
    }
    for (let i = 0; i < this.world.hostility.injectSlowness; i++) {
      await this.world.step(`injecting ${request.action}@${request.target.key} (${i + 1})`);
      this.world.now += 1000;
    }
    const others = this.active().filter(
      (a) => a.targetKey === request.target.key && a.executionId !== request.executionId,
    );
    if (others.length)
      this.overlaps.push(
        `${request.target.key}: ${request.executionId} while ${others.map((o) => o.executionId).join(', ')}`,
      );
    if (!this.active(request.executionId).some((a) => a.targetKey === request.target.key)) {
      this.activity.push({ executionId: request.executionId, targetKey: request.target.key, from: this.world.now });
    }
    return { handle: { id: `${request.action}@${request.target.id}` } };
  }

  async revert(fault: FaultRecord): Promise<void> {
    await this.world.step(`revert ${fault.action}@${fault.target.key}`);
    if (this.revertFailuresLeft > 0) {
      this.revertFailuresLeft--;
      throw new Error(`revert of ${fault.action} failed`);
    }
    for (const a of this.active(fault.executionId).filter((x) => x.targetKey === fault.target.key))
      a.to = this.world.now;
  }
}

/** Timers of the world: each fires at a moment the scheduler picks, and the clock jumps to its time. */
class WorldTimer implements Timer {
  readonly latenessMs = 0;
  readonly pending = new Map<string, { at: Date; entry: BusEntry }>();
  constructor(private readonly world: World) {}
  async schedule(request: { name: string; at: Date; entry: BusEntry }): Promise<void> {
    await this.world.step(`timer.schedule ${request.name}`);
    if (this.pending.has(request.name)) return;
    this.pending.set(request.name, { at: request.at, entry: request.entry });
    this.world.spawn(`timer ${request.name}`, async () => {
      const due = this.pending.get(request.name);
      if (!due) return;
      this.pending.delete(request.name);
      this.world.now = Math.max(this.world.now, due.at.getTime());
      this.world.publishNow([due.entry]);
    });
  }
  async cancel(name: string): Promise<void> {
    await this.world.step(`timer.cancel ${name}`);
    this.pending.delete(name);
  }
}

export const WORLD_TEMPLATE: TemplateInput = {
  id: 'interleaved',
  version: 1,
  description: 'latency on one replica, under hostile timing',
  hypothesis: { statement: 'availability holds', successCriteria: [{ type: 'availability', minPercent: 99 }] },
  targets: { web: { provider: 'local', resourceType: 'local:replica', selectionMode: 'COUNT(1)' } },
  actions: { slow: { fault: 'network-latency', target: 'web', parameters: { delayMs: 100 }, duration: 'PT60S' } },
  stopConditions: [{ alarm: 'world-alarm' }],
  safety: { environments: ['local'], maxTargetsPercent: 50, maxTargets: 1 },
  observation: { window: 'PT20S' },
  recovery: { timeout: 'PT30S', checkEvery: 'PT5S' },
};

const WRITES = new Set([
  'createExecution',
  'transition',
  'recordFault',
  'updateFault',
  'acquireLease',
  'pinLease',
  'releaseLease',
  'journal',
  'completeEvent',
]);

/**
 * One world per schedule: the real phase handlers (claims, contracts, the phases), an in-memory
 * store, timers and faults, and a bus, all of whose steps are ordered by fast-check's scheduler.
 */
export class World {
  now = Date.parse('2026-11-30T10:00:00Z');
  readonly clock: Clock;
  readonly store: Store;
  readonly memory: InMemoryStore;
  readonly faults: HostileFaults;
  readonly timer: WorldTimer;
  readonly alarms = new StaticAlarms(new Set(['world-alarm']));
  readonly deps: PhaseDependencies;
  readonly deadLetters: { detailType: string; error: string }[] = [];
  /** Every event put on the bus. */
  readonly published: BusEvent[] = [];
  private throttlesLeft: number;
  private readonly handlers = new Map<string, ((event: BusEvent) => Promise<unknown>)[]>();
  private tasks = 0;

  constructor(
    private readonly s: Scheduler,
    readonly hostility: Hostility,
  ) {
    this.clock = {
      now: () => new Date(this.now),
      sleep: async (ms: number) => {
        await this.step(`sleep ${ms}`);
        this.now += ms;
      },
    };
    this.throttlesLeft = hostility.throttledWrites;
    this.memory = new InMemoryStore(this.clock);
    this.store = this.scheduledStore(this.memory);
    this.faults = new HostileFaults(this, hostility);
    this.timer = new WorldTimer(this);
    this.deps = {
      store: this.store,
      publisher: { publish: async (entries) => this.publish(entries) },
      timer: this.timer,
      clock: this.clock,
      faults: this.faults,
      targets: { local: new StaticTargets() },
      metrics: new StaticMetrics({ availabilityPercent: 100, requests: 100 }),
      alarms: this.alarms,
      health: new StaticHealth(true),
      settings: defaultSettings({ revertBackoffMs: 1000, injectionSettleMs: 30_000, injectAttemptMaxMs: 120_000 }),
    };
    for (const definition of Object.values(PHASES)) {
      const handler = createPhaseHandler(definition, this.deps, silentLogger);
      for (const route of definition.routes) {
        const key = `${route.contract.source}|${route.contract.detailType}`;
        this.handlers.set(key, [...(this.handlers.get(key) ?? []), (event) => handler(event, {} as never)]);
      }
    }
  }

  /** A point where the scheduler may run anything else first. */
  step(label: string): Promise<unknown> {
    return this.s.schedule(Promise.resolve(label), label);
  }

  /** Runs `work` as a task of its own, started when the scheduler says. */
  spawn(label: string, work: () => Promise<void>): void {
    this.tasks++;
    void this.step(label)
      .then(work)
      .catch(() => undefined)
      .finally(() => this.tasks--);
  }

  private scheduledStore(store: InMemoryStore): Store {
    return new Proxy(store, {
      get: (target, property, receiver) => {
        const value = Reflect.get(target, property, receiver) as unknown;
        if (typeof value !== 'function') return value;
        return async (...args: unknown[]) => {
          await this.step(`store.${String(property)}`);
          if (WRITES.has(String(property)) && this.throttlesLeft > 0) {
            this.throttlesLeft--;
            const error = new Error('Rate of requests exceeds the allowed throughput.');
            error.name = 'ThrottlingException';
            throw error;
          }
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
  }

  async publish(entries: readonly BusEntry[]): Promise<void> {
    await this.step('publish');
    this.publishNow(entries);
  }

  /** Puts events on the bus: each delivered (and, by the schedule's hostility, delivered again) as its own task. */
  publishNow(entries: readonly BusEntry[]): void {
    for (const entry of entries) {
      const event: BusEvent = {
        version: '0',
        id: randomUUID(),
        'detail-type': entry.detailType,
        source: entry.source,
        account: this.deps.settings.account,
        time: new Date(this.now).toISOString(),
        region: 'local',
        resources: entry.resources ?? [],
        detail: structuredClone(entry.detail),
      };
      this.published.push(event);
      this.deliver(event);
      if (this.hostility.duplicateNewId) this.deliver({ ...structuredClone(event), id: randomUUID() });
      if (this.hostility.duplicateSameId) this.deliver(structuredClone(event));
    }
  }

  /** Delivers one event to every function whose rule matches, retrying a failed delivery as a bus does. */
  deliver(event: BusEvent, attempt = 1): void {
    for (const handler of this.handlers.get(`${event.source}|${event['detail-type']}`) ?? []) {
      this.spawn(`deliver ${event['detail-type']} #${attempt}`, async () => {
        try {
          await handler(event);
        } catch (error) {
          if (attempt < 8) {
            this.now += 1000 * attempt;
            this.deliver(event, attempt + 1);
          } else {
            this.deadLetters.push({ detailType: event['detail-type'], error: (error as Error).message });
          }
        }
      });
    }
  }

  request(executionId: string): void {
    this.publishNow([
      ExperimentRequested.entry({
        executionId,
        experimentId: WORLD_TEMPLATE.id,
        template: parseTemplate(WORLD_TEMPLATE) as unknown as Record<string, unknown>,
        dryRun: false,
        trigger: { type: 'cli' },
        environment: 'local',
        requestedAt: new Date(this.now).toISOString(),
      }),
    ]);
  }

  alarm(): void {
    this.alarms.firing.add('world-alarm');
    const at = new Date(this.now).toISOString();
    this.deliver({
      version: '0',
      id: randomUUID(),
      'detail-type': 'CloudWatch Alarm State Change',
      source: 'aws.cloudwatch',
      account: this.deps.settings.account,
      time: at.replace(/\.\d{3}Z$/, 'Z'),
      region: 'local',
      resources: [],
      detail: {
        alarmName: 'world-alarm',
        state: { value: 'ALARM', reason: 'threshold crossed', timestamp: at },
        previousState: { value: 'OK', reason: 'threshold not crossed', timestamp: at },
      },
    });
  }

  /** The sweeper's scheduled tick, after the clock has moved on by `ms`. */
  sweep(ms: number): void {
    this.now += ms;
    this.deliver({
      version: '0',
      id: randomUUID(),
      'detail-type': ScheduledEvent.detailType,
      source: ScheduledEvent.source,
      account: this.deps.settings.account,
      time: new Date(this.now).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      region: 'local',
      resources: ['arn:aws:events:local:000000000000:rule/sweeper'],
      detail: {},
    });
  }

  /** Runs every task to its end in the order the scheduler picks. */
  async settle(maxSteps = 20_000): Promise<void> {
    for (let i = 0; i < maxSteps && (this.s.count() > 0 || this.tasks > 0); i++) {
      if (this.s.count() > 0) await this.s.waitOne();
      else await new Promise((resolve) => setImmediate(resolve));
    }
  }

  executions(): Promise<Execution[]> {
    return Promise.all(this.ids.map(async (id) => (await this.memory.getExecution(id))!));
  }

  ids: string[] = [];
}

/**
 * The promises checked after every schedule; each broken one is a line. `targets` are every lease
 * key of the fleet.
 */
export const brokenPromises = async (world: World): Promise<string[]> => {
  const broken: string[] = [];
  const executions = (await world.executions()).filter(Boolean);
  for (const e of executions) {
    const active = world.faults.active(e.executionId);
    if (!isFinal(e.status)) {
      broken.push(`${e.executionId} never ended: ${e.status}`);
      continue;
    }
    if (active.length) {
      if (e.status !== 'ROLLBACK_FAILED')
        broken.push(
          `${e.executionId} ended ${e.status} with a fault active on ${active.map((a) => a.targetKey).join(', ')}`,
        );
      for (const a of active) {
        const lease = await world.memory.lease(a.targetKey);
        if (lease?.executionId !== e.executionId || !lease.pinned)
          broken.push(
            `${e.executionId}: fault active on ${a.targetKey}, whose lease is ${lease ? `held by ${lease.executionId}` : 'free'}`,
          );
      }
    }
    if (e.verdict === 'PASSED') {
      if (e.safety.violated) broken.push(`${e.executionId} PASSED with a safety violation`);
      const journal = await world.memory.readJournal(e.executionId);
      if (journal.some((j) => j.phase === 'guard' && j.action === 'alarm'))
        broken.push(`${e.executionId} PASSED although guard saw its stop-condition alarm while it ran`);
      const start = Date.parse(e.injectedAt!);
      const end = Date.parse(e.observationEndsAt!);
      const targets: ResolvedTarget[] = e.targets ?? [];
      for (const t of targets) {
        const covered = world.faults.activity.some(
          (a) =>
            a.executionId === e.executionId && a.targetKey === t.key && a.from <= start && (a.to ?? Infinity) >= end,
        );
        if (!covered)
          broken.push(
            `${e.executionId} PASSED but its window [${e.injectedAt}, ${e.observationEndsAt}] was not observed under its fault on ${t.key}`,
          );
      }
    }
    // The journal is one intact hash chain, and records the outcome at most once, as it ended.
    const journal = await world.memory.readJournal(e.executionId);
    for (const problem of chainProblems(e.executionId, journal, chainHead(journal)))
      broken.push(`${e.executionId}: journal chain broken: ${problem}`);
    const completed = journal.filter((j) => j.phase === 'finish' && j.action === 'completed');
    if (completed.length > 1) broken.push(`${e.executionId}: its outcome was journaled ${completed.length} times`);
    for (const c of completed)
      if (c.detail?.status !== e.status || c.detail?.verdict !== (e.verdict ?? 'INCONCLUSIVE'))
        broken.push(
          `${e.executionId}: journal says ${c.detail?.status}/${c.detail?.verdict}, it ended ${e.status}/${e.verdict}`,
        );
    if (e.status !== 'ROLLBACK_FAILED') {
      for (const key of (e.targets ?? []).map((t) => t.key)) {
        const lease = await world.memory.lease(key);
        if (lease?.executionId === e.executionId)
          broken.push(`${e.executionId} ended ${e.status} and still holds ${key}`);
      }
    }
  }
  broken.push(...world.faults.overlaps.map((o) => `two experiments on one target: ${o}`));
  return broken;
};

/** Hostility drawn per schedule. */
export const hostility = (fcModule: typeof fc): fc.Arbitrary<Hostility> =>
  fcModule.record({
    duplicateNewId: fcModule.boolean(),
    duplicateSameId: fcModule.boolean(),
    injectFailures: fcModule.nat(1),
    injectSlowness: fcModule.nat(3),
    revertFailures: fcModule.constantFrom(0, 0, 1, 2, 6),
    throttledWrites: fcModule.nat(3),
    alarm: fcModule.boolean(),
    halt: fcModule.boolean(),
    experiments: fcModule.integer({ min: 1, max: 2 }),
  });

/**
 * One schedule: experiments requested, an alarm and a halt thrown in at moments the scheduler
 * picks, everything settled, then the sweeper's ticks as time passes (it is part of the system),
 * until every execution has ended or the sweeper has given it up.
 */
export const runSchedule = async (s: Scheduler, h: Hostility): Promise<World> => {
  const world = new World(s, h);
  for (let i = 0; i < h.experiments; i++) {
    const id = `x${i + 1}`;
    world.ids.push(id);
    world.request(id);
  }
  if (h.alarm) world.spawn('alarm fires', async () => world.alarm());
  if (h.halt) {
    // As `faultline halt` does: the switch first, then a stop for each run it finds running.
    world.spawn('halt', async () => {
      await world.store.halt('game over', 'test');
      for (const e of await world.executions()) {
        if (e && !isFinal(e.status)) {
          await world.publish([
            SafetyViolated.entry({
              executionId: e.executionId,
              experimentId: e.experimentId,
              reason: 'halt',
              message: 'halted: game over',
              at: new Date(world.now).toISOString(),
            }),
          ]);
        }
      }
    });
  }
  await world.settle();
  for (let tick = 0; tick < 8 && (await world.executions()).some((e) => e && !isFinal(e.status)); tick++) {
    world.sweep(10 * 60_000);
    await world.settle();
  }
  return world;
};
