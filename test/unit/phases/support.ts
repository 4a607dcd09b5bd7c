/**
 * What the phase unit tests share: dependencies over the in-memory store, a clock moved by hand, a
 * timer and a publisher that record what they are asked, events built from contract entries, and
 * executions seeded in a given status. Nothing here waits on real time.
 */
import type * as z from 'zod';
import type { Contract } from '../../../events';
import {
  ACTIVE_STATUSES,
  type Execution,
  type FaultRecord,
  type ResolvedTarget,
  type Status,
} from '../../../shared/domain/execution';
import { parseTemplate, type Template, type TemplateInput } from '../../../shared/domain/template';
import { defaultSettings, type PhaseDependencies, type PhaseSettings } from '../../../shared/phases/dependencies';
import type { BusEntry, BusEvent, Clock, Timer } from '../../../shared/ports';
import { InMemoryFaults, StaticAlarms, StaticHealth, StaticMetrics, StaticTargets } from '../../../testing/in-memory';
import { InMemoryStore } from '../../../testing/in-memory-store';

export const T0 = Date.parse('2026-11-30T10:00:00.000Z');
export const EXECUTION_ID = 'exec-1';
/** What StaticMetrics reports unless a test says otherwise: every criterion of unitTemplate met. */
export const GOOD_FIGURES = { availabilityPercent: 100, latencyMs: { p50: 20, p95: 50 }, requests: 100 };
export const ALARM = 'unit-alarm';

/** A clock that moves only when told: `advance` by hand, `sleep` moves it at once and is recorded. */
export class ManualClock implements Clock {
  readonly sleeps: number[] = [];
  /** Runs after each sleep has moved the clock: lets a test change the world "meanwhile". */
  onSleep?: (ms: number) => void | Promise<void>;

  constructor(private ms = T0) {}

  now(): Date {
    return new Date(this.ms);
  }

  async sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    this.ms += ms;
    await this.onSleep?.(ms);
  }

  advance(ms: number): void {
    this.ms += ms;
  }

  /** The time `offsetMs` from now, as ISO-8601. */
  iso(offsetMs = 0): string {
    return new Date(this.ms + offsetMs).toISOString();
  }
}

/** A timer that fires nothing: it records what is scheduled and cancelled, in order. */
export class RecordingTimer implements Timer {
  readonly scheduled: { name: string; at: Date; entry: BusEntry }[] = [];
  readonly cancelled: string[] = [];

  constructor(readonly latenessMs = 0) {}

  async schedule(request: { name: string; at: Date; entry: BusEntry }): Promise<void> {
    this.scheduled.push(request);
  }

  async cancel(name: string): Promise<void> {
    this.cancelled.push(name);
  }

  get names(): string[] {
    return this.scheduled.map((s) => s.name);
  }
}

export class RecordingPublisher {
  readonly published: BusEntry[] = [];
  async publish(entries: readonly BusEntry[]): Promise<void> {
    this.published.push(...entries);
  }
}

/** PhaseDependencies whose parts keep their concrete types, so that a test can steer and inspect them. */
export interface PhaseHarness extends PhaseDependencies {
  store: InMemoryStore;
  clock: ManualClock;
  timer: RecordingTimer;
  publisher: RecordingPublisher;
  faults: InMemoryFaults;
  targets: { local: StaticTargets };
  metrics: StaticMetrics;
  alarms: StaticAlarms;
  health: StaticHealth;
}

export const phaseDeps = (
  options: {
    clock?: ManualClock;
    store?: InMemoryStore;
    faults?: InMemoryFaults;
    targets?: StaticTargets;
    metrics?: StaticMetrics;
    alarms?: StaticAlarms;
    health?: StaticHealth;
    latenessMs?: number;
    settings?: Partial<PhaseSettings>;
  } = {},
): PhaseHarness => {
  const clock = options.clock ?? new ManualClock();
  return {
    clock,
    store: options.store ?? new InMemoryStore(clock),
    timer: new RecordingTimer(options.latenessMs ?? 0),
    publisher: new RecordingPublisher(),
    faults: options.faults ?? new InMemoryFaults(),
    targets: { local: options.targets ?? new StaticTargets() },
    metrics: options.metrics ?? new StaticMetrics(GOOD_FIGURES),
    alarms: options.alarms ?? new StaticAlarms(new Set([ALARM])),
    health: options.health ?? new StaticHealth(true),
    settings: defaultSettings({ environment: 'local', ...options.settings }),
  };
};

/** A template for the unit tests: 100 ms of latency on one of three replicas, 60 s, a 20 s window. */
export const unitTemplate = (overrides: Partial<TemplateInput> = {}): TemplateInput => ({
  id: 'unit-latency',
  version: 1,
  description: 'latency on one replica',
  hypothesis: {
    statement: 'availability and latency hold, and the fleet recovers within 20 s',
    successCriteria: [
      { type: 'availability', minPercent: 99 },
      { type: 'latency', percentile: 95, maxMs: 100 },
      { type: 'recoveryTime', maxSeconds: 20 },
    ],
  },
  targets: { web: { provider: 'local', resourceType: 'local:replica', selectionMode: 'COUNT(1)' } },
  actions: { slow: { fault: 'network-latency', target: 'web', parameters: { delayMs: 100 }, duration: 'PT60S' } },
  stopConditions: [{ alarm: ALARM }],
  safety: { environments: ['local'], maxTargetsPercent: 50, maxTargets: 1 },
  observation: { window: 'PT20S' },
  recovery: { timeout: 'PT30S', checkEvery: 'PT5S' },
  ...overrides,
});

export const replica = (id: string, name = 'web'): ResolvedTarget => ({
  name,
  provider: 'local',
  resourceType: 'local:replica',
  id,
  key: `local:replica:${id}`,
});

let eventSeq = 0;

/** The envelope the bus delivers for `entry`, parsed by its contract as a phase handler would. */
export const eventOf = <S extends z.ZodObject>(
  contract: Contract<S>,
  entry: BusEntry,
  envelope: { id?: string; time?: string; account?: string } = {},
): BusEvent<z.output<S>> => {
  const raw: BusEvent = {
    version: '0',
    id: envelope.id ?? `event-${++eventSeq}`,
    'detail-type': entry.detailType,
    source: entry.source,
    account: envelope.account ?? '000000000000',
    time: envelope.time ?? new Date(T0).toISOString(),
    region: 'local',
    resources: entry.resources ?? [],
    detail: structuredClone(entry.detail),
  };
  return contract.parse(raw);
};

/** An event of `contract` with this detail (its version filled in). */
export const eventFrom = <S extends z.ZodObject>(
  contract: Contract<S>,
  detail: Omit<z.input<S>, 'version'>,
  envelope: { id?: string; time?: string; account?: string } = {},
): BusEvent<z.output<S>> => eventOf(contract, contract.entry(detail), envelope);

const ORDER = ACTIVE_STATUSES;
const reached = (status: Status, stage: Status) =>
  !ORDER.includes(status) || ORDER.indexOf(status) >= ORDER.indexOf(stage);

/**
 * An execution stored as `createExecution` writes it (REQUESTED), then moved by one `transition`
 * to `status`. The fields a run in that status has are filled from the clock (targets from
 * INJECTING on, the window from OBSERVING on, the revert from RECOVERING on, a final status as if
 * from VALIDATING); `set` adds or replaces fields.
 */
export const seedExecution = async (
  deps: PhaseHarness,
  status: Status,
  options: { executionId?: string; template?: Template | TemplateInput; set?: Partial<Execution> } = {},
): Promise<Execution> => {
  const executionId = options.executionId ?? EXECUTION_ID;
  const template = parseTemplate(options.template ?? unitTemplate());
  const now = deps.clock.now().getTime();
  const at = (offsetMs: number) => new Date(now + offsetMs).toISOString();
  const created = await deps.store.createExecution({
    executionId,
    experimentId: template.id,
    templateVersion: template.version,
    template,
    status: 'REQUESTED',
    version: 1,
    environment: 'local',
    dryRun: false,
    trigger: { type: 'cli', reference: 'unit' },
    requestedAt: at(-60_000),
    updatedAt: at(0),
    safety: { violated: false },
  });
  if (!created) throw new Error(`execution ${executionId} exists already`);
  const set: Partial<Execution> = {};
  if (reached(status, 'INJECTING')) set.targets = [replica('replica-1')];
  if (reached(status, 'OBSERVING')) {
    Object.assign(set, { injectedAt: at(0), observationEndsAt: at(20_000), revertDeadline: at(60_000) });
  }
  if (reached(status, 'RECOVERING')) Object.assign(set, { revertedAt: at(0), recoveryDeadline: at(30_000) });
  const moved = await deps.store.transition(executionId, {
    from: ['REQUESTED'],
    ...(status === 'REQUESTED' ? {} : { to: status }),
    set: { ...set, ...options.set },
  });
  if (!moved) throw new Error(`could not move ${executionId} to ${status}`);
  return moved;
};

/** A fault record as inject writes it, in `state`, for the execution's first target. */
export const seedFault = async (
  deps: PhaseHarness,
  execution: Execution,
  state: FaultRecord['state'],
  set: Partial<FaultRecord> = {},
): Promise<FaultRecord> => {
  const now = deps.clock.now().getTime();
  const landed = state !== 'ARMED' && state !== 'FAILED';
  const fault: FaultRecord = {
    executionId: execution.executionId,
    action: 'slow',
    faultType: 'network-latency',
    target: execution.targets?.[0] ?? replica('replica-1'),
    parameters: { delayMs: 100 },
    state,
    owner: 'event-start',
    armedAt: new Date(now).toISOString(),
    ...(landed ? { injectedAt: new Date(now).toISOString(), handle: { id: 'h' } } : {}),
    expiresAt: new Date(now + 60_000).toISOString(),
    ...set,
  };
  if (!(await deps.store.recordFault(fault))) throw new Error('fault recorded already');
  return fault;
};

/** Detail-types of the entries a phase returned, in order. */
export const detailTypes = (entries: readonly BusEntry[]): string[] => entries.map((e) => e.detailType);

/** The execution's journal as `phase action: outcome` lines, in order. */
export const journalLines = async (deps: PhaseHarness, executionId = EXECUTION_ID): Promise<string[]> =>
  (await deps.store.readJournal(executionId)).map((j) => `${j.phase} ${j.action}: ${j.outcome}`);

/** The stored execution; throws when there is none. */
export const stored = async (deps: PhaseHarness, executionId = EXECUTION_ID): Promise<Execution> => {
  const execution = await deps.store.getExecution(executionId);
  if (!execution) throw new Error(`no execution ${executionId}`);
  return execution;
};
