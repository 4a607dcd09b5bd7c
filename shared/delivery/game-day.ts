import { randomUUID } from 'node:crypto';
import {
  ExperimentRequested,
  GameDayCompleted,
  type EventOf,
  type ExperimentCompleted,
  type GameDayDue,
} from '../../events';
import type { Status, Trigger, Verdict } from '../domain/execution';
import type { BusEntry } from '../ports';
import type { JournalRepository, RecordRepository, TemplateRepository } from '../store/execution-store';
import { RECORDS, type DeliveryDependencies } from './dependencies';
import { calendarAllows, templateIdOf, type DueSuite, type SuiteTemplate } from './suite';

const PHASE = 'gameDay';

/** What the start of a game day works with: its records and the suite's lock, the stored templates, the settings. */
export type StartGameDayDependencies = {
  store: RecordRepository & TemplateRepository;
} & Pick<DeliveryDependencies, 'clock' | 'settings' | 'delivery'>;

/** What recording a game day's result works with: its run record, and the journal of an execution it does not know. */
export type GameDayResultDependencies = {
  store: RecordRepository & JournalRepository;
} & Pick<DeliveryDependencies, 'clock'>;

/** The lock of a suite: the run that holds it. */
export interface SuiteLock {
  status: 'RUNNING' | 'IDLE';
  runId: string;
  startedAt: string;
  lastRunId?: string;
}

export interface GameDayJournalEntry {
  at: string;
  action: string;
  outcome: 'ok' | 'skipped' | 'rejected';
  detail?: Record<string, unknown>;
}

/** The game-day record: one per run, a skipped one included (with the reason in its journal). */
export interface GameDayRun {
  runId: string;
  suite: string;
  status: 'SKIPPED' | 'RUNNING' | 'COMPLETED';
  reason?: string;
  dueAt?: string;
  startedAt: string;
  completedAt?: string;
  environment: string;
  order: 'sequential' | 'parallel';
  dryRun: boolean;
  /** Index of the last execution requested (sequential runs request one at a time). */
  next: number;
  executions: Array<{ executionId: string; experimentId: string; template: SuiteTemplate }>;
  verdict?: Verdict;
  journal: GameDayJournalEntry[];
}

interface ExecutionOutcome {
  status: Status;
  verdict: Verdict;
  reasons: string[];
}

const resultField = (executionId: string) => `result_${executionId}`;

/** The outcome recorded for each execution of a run, by execution id. */
export const runOutcomes = (record: GameDayRun & Record<string, unknown>): Map<string, ExecutionOutcome> => {
  const outcomes = new Map<string, ExecutionOutcome>();
  for (const e of record.executions) {
    const outcome = record[resultField(e.executionId)] as ExecutionOutcome | undefined;
    if (outcome) outcomes.set(e.executionId, outcome);
  }
  return outcomes;
};

const skip = async (
  deps: { store: Pick<RecordRepository, 'putRecordOnce'> } & Pick<DeliveryDependencies, 'clock' | 'settings'>,
  runId: string,
  suite: DueSuite,
  dueAt: string | undefined,
  action: string,
  reason: string,
): Promise<BusEntry[]> => {
  const at = deps.clock.now().toISOString();
  const record: GameDayRun = {
    runId,
    suite: suite.name,
    status: 'SKIPPED',
    reason,
    ...(dueAt ? { dueAt } : {}),
    startedAt: at,
    environment: suite.environment ?? deps.settings.environment,
    order: suite.order,
    dryRun: suite.dryRun,
    next: -1,
    executions: [],
    journal: [{ at, action, outcome: 'skipped', detail: { reason } }],
  };
  await deps.store.putRecordOnce(RECORDS.gameDayRun, runId, record as unknown as Record<string, unknown>);
  return [];
};

/** Takes the suite's lock for `runId`; the reason it cannot, otherwise. */
const lockSuite = async (
  deps: { store: RecordRepository } & Pick<DeliveryDependencies, 'clock' | 'delivery'>,
  suite: string,
  runId: string,
): Promise<{ locked: true; tookOver?: string } | { locked: false; reason: string }> => {
  const { store, clock, delivery } = deps;
  for (let attempt = 0; attempt < 5; attempt++) {
    const now = clock.now();
    const lock = await store.getRecord<SuiteLock>(RECORDS.suiteLock, suite);
    const mine: SuiteLock = { status: 'RUNNING', runId, startedAt: now.toISOString() };
    if (!lock) {
      if (await store.putRecordOnce(RECORDS.suiteLock, suite, mine as unknown as Record<string, unknown>))
        return { locked: true };
      continue;
    }
    if (lock.runId === runId && lock.status === 'RUNNING') return { locked: true };
    const stale = lock.status === 'RUNNING' && Date.parse(lock.startedAt) + delivery.gameDayRunStaleMs < now.getTime();
    if (lock.status === 'RUNNING' && !stale) {
      return {
        locked: false,
        reason: `the previous run ${lock.runId} of suite ${suite} is still active (started ${lock.startedAt})`,
      };
    }
    // The run id is unique per run: the conditional write lets exactly one taker win.
    if (
      await store.updateRecord(
        RECORDS.suiteLock,
        suite,
        { ...mine, lastRunId: lock.runId },
        { field: 'runId', expected: [lock.runId] },
      )
    ) {
      return stale ? { locked: true, tookOver: lock.runId } : { locked: true };
    }
  }
  return { locked: false, reason: `the lock of suite ${suite} kept changing` };
};

const requestEntry = (
  deps: Pick<DeliveryDependencies, 'clock'>,
  run: GameDayRun,
  index: number,
  trigger: Trigger,
): BusEntry => {
  const e = run.executions[index]!;
  return ExperimentRequested.entry({
    executionId: e.executionId,
    experimentId: e.experimentId,
    ...(typeof e.template === 'string' ? {} : { template: e.template.template }),
    environment: run.environment,
    dryRun: run.dryRun,
    trigger,
    requestedAt: deps.clock.now().toISOString(),
  });
};

const triggerOf = (run: Pick<GameDayRun, 'suite' | 'runId'>): Trigger => ({
  type: 'gameday',
  reference: run.runId,
  gameDay: { suite: run.suite, runId: run.runId },
});

/**
 * GameDayDue → the run starts, or is skipped with its reason journaled in the game-day record:
 * outside allowed hours, inside a blackout window, while the suite's previous run is still
 * active (a conditional write on the suite's lock), or when a template is not stored.
 */
export const startGameDay = async (
  event: EventOf<typeof GameDayDue>,
  deps: StartGameDayDependencies,
): Promise<BusEntry[]> => {
  const { store, clock } = deps;
  const { suite, dueAt } = event.detail;
  const runId = event.detail.runId ?? event.id;

  const existing = await store.getRecord<GameDayRun>(RECORDS.gameDayRun, runId);
  if (existing && existing.status !== 'RUNNING') return [];

  if (!existing) {
    // Checked when the run would start, not when it was due: a late delivery must not start outside the calendar.
    const calendar = calendarAllows(suite, clock.now());
    if (!calendar.allowed) return skip(deps, runId, suite, dueAt, 'calendar', calendar.reason);
    const missing: string[] = [];
    for (const t of suite.templates) if (typeof t === 'string' && !(await store.getTemplate(t))) missing.push(t);
    if (missing.length)
      return skip(
        deps,
        runId,
        suite,
        dueAt,
        'templates',
        `template${missing.length > 1 ? 's' : ''} not stored: ${missing.join(', ')}`,
      );
  }

  const lock = await lockSuite(deps, suite.name, runId);
  if (!lock.locked) return existing ? [] : skip(deps, runId, suite, dueAt, 'lock', lock.reason);

  let run = existing;
  if (!run) {
    const at = clock.now().toISOString();
    const fresh: GameDayRun = {
      runId,
      suite: suite.name,
      status: 'RUNNING',
      ...(dueAt ? { dueAt } : {}),
      startedAt: at,
      environment: suite.environment ?? deps.settings.environment,
      order: suite.order,
      dryRun: suite.dryRun,
      next: suite.order === 'parallel' ? suite.templates.length - 1 : 0,
      executions: suite.templates.map((template) => ({
        executionId: randomUUID(),
        experimentId: templateIdOf(template),
        template,
      })),
      journal: [
        ...(lock.tookOver
          ? [
              {
                at,
                action: 'lock',
                outcome: 'ok' as const,
                detail: { tookOverFrom: lock.tookOver, reason: 'that run is older than the stale limit' },
              },
            ]
          : []),
        {
          at,
          action: 'start',
          outcome: 'ok',
          detail: {
            templates: suite.templates.map(templateIdOf),
            order: suite.order,
            requestedBy: event.detail.requestedBy ?? 'schedule',
          },
        },
      ],
    };
    if (!(await store.putRecordOnce(RECORDS.gameDayRun, runId, fresh as unknown as Record<string, unknown>))) {
      run = await store.getRecord<GameDayRun>(RECORDS.gameDayRun, runId);
    } else {
      run = fresh;
    }
  }
  if (run?.status !== 'RUNNING') return [];
  const trigger = triggerOf(run);
  // A replay (the same event after an attempt that stopped halfway) requests the same executions;
  // prepare creates each execution once.
  return run.executions.slice(0, run.next + 1).map((_, i) => requestEntry(deps, run!, i, trigger));
};

const overallVerdict = (verdicts: readonly Verdict[]): Verdict =>
  verdicts.every((v) => v === 'PASSED') ? 'PASSED' : verdicts.some((v) => v === 'FAILED') ? 'FAILED' : 'INCONCLUSIVE';

/**
 * ExperimentCompleted of a game-day execution → its outcome on the run; the next execution of a
 * sequential run; when every execution is final, GameDayCompleted (published once: the run moves
 * RUNNING → COMPLETED by a conditional write) and the suite's lock is given back.
 */
export const recordGameDayResult = async (
  event: EventOf<typeof ExperimentCompleted>,
  deps: GameDayResultDependencies,
): Promise<BusEntry[]> => {
  const { store, clock } = deps;
  const result = event.detail;
  const ref = result.trigger.gameDay;
  if (result.trigger.type !== 'gameday' || !ref) return [];
  const run = await store.getRecord<GameDayRun>(RECORDS.gameDayRun, ref.runId);
  const index = run?.executions.findIndex((e) => e.executionId === result.executionId) ?? -1;
  if (!run || index < 0) {
    await store.journal(result.executionId, {
      phase: PHASE,
      action: 'ExperimentCompleted',
      outcome: 'skipped',
      detail: { reason: `no game-day run ${ref.runId} lists this execution` },
    });
    return [];
  }
  const outcome: ExecutionOutcome = { status: result.status, verdict: result.verdict, reasons: result.reasons };
  await store.updateRecord(RECORDS.gameDayRun, run.runId, { [resultField(result.executionId)]: outcome });

  const entries: BusEntry[] = [];
  if (run.order === 'sequential' && index + 1 < run.executions.length) {
    if (
      await store.updateRecord(RECORDS.gameDayRun, run.runId, { next: index + 1 }, { field: 'next', expected: [index] })
    ) {
      entries.push(requestEntry(deps, run, index + 1, triggerOf(run)));
    }
    return entries;
  }

  const current = (await store.getRecord<GameDayRun & Record<string, unknown>>(RECORDS.gameDayRun, run.runId))!;
  const outcomes = runOutcomes(current);
  if (outcomes.size < current.executions.length) return entries;
  const verdict = overallVerdict([...outcomes.values()].map((o) => o.verdict));
  const completedAt = clock.now().toISOString();
  if (
    !(await store.updateRecord(
      RECORDS.gameDayRun,
      run.runId,
      { status: 'COMPLETED', verdict, completedAt },
      { field: 'status', expected: ['RUNNING'] },
    ))
  ) {
    return entries;
  }
  await store.updateRecord(
    RECORDS.suiteLock,
    run.suite,
    { status: 'IDLE', lastRunId: run.runId },
    { field: 'runId', expected: [run.runId] },
  );
  const executions = current.executions.map((e) => ({
    executionId: e.executionId,
    experimentId: e.experimentId,
    ...outcomes.get(e.executionId)!,
  }));
  const count = (v: Verdict) => executions.filter((e) => e.verdict === v).length;
  entries.push(
    GameDayCompleted.entry({
      suite: run.suite,
      runId: run.runId,
      environment: run.environment,
      verdict,
      counts: {
        total: executions.length,
        passed: count('PASSED'),
        failed: count('FAILED'),
        inconclusive: count('INCONCLUSIVE'),
      },
      executions,
      startedAt: run.startedAt,
      completedAt,
    }),
  );
  return entries;
};
