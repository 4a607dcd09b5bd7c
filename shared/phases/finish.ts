import { SafetyViolated } from '../../events';
import {
  ACTIVE_STATUSES,
  leaseKeys,
  type Execution,
  type FaultRecord,
  type FaultState,
  type FinalStatus,
  type SafetyState,
  type Status,
} from '../domain/execution';
import { ContentionError } from '../errors';
import { pause, type BusEntry } from '../ports';
import type {
  AlarmWatchRepository,
  ExecutionRepository,
  FaultRepository,
  JournalRepository,
  LeaseRepository,
} from '../store/execution-store';
import type { PhaseDependencies } from './dependencies';
import { completedEntry, resultOf } from './result';
import { outcomeDigest } from '../domain/journal-chain';
import { executionScore } from '../domain/score';

/** What `releaseHolds` uses: the leases and alarm watches it gives back, and the revert deadline it cancels. */
export type ReleaseHoldsDependencies = {
  store: Pick<LeaseRepository, 'pinLease' | 'releaseLease'> & Pick<AlarmWatchRepository, 'unwatchAlarms'>;
} & Pick<PhaseDependencies, 'timer'>;

/** What `finish` uses: the final transition, the faults of the result, and `releaseHolds`. */
export type FinishDependencies = ReleaseHoldsDependencies & {
  store: Pick<ExecutionRepository, 'transition'> &
    Pick<FaultRepository, 'listFaults'> &
    Pick<JournalRepository, 'journal'>;
} & Pick<PhaseDependencies, 'clock'>;

/** What `revertWithRetries` uses: the provider, the retry settings, the journal and the clock it pauses on. */
export type RevertWithRetriesDependencies = {
  store: Pick<JournalRepository, 'journal'>;
} & Pick<PhaseDependencies, 'faults' | 'settings' | 'clock'>;

/** What `revertFaults` uses: `revertWithRetries`, and the fault records it moves. */
export type RevertFaultsDependencies = RevertWithRetriesDependencies & {
  store: Pick<FaultRepository, 'updateFault'>;
};

/** What `recordViolation` and `violation` use: the execution, read and marked. */
export type ViolationDependencies = {
  store: Pick<ExecutionRepository, 'getExecution' | 'transition'>;
};

/**
 * Moves an execution to a final status, gives back its leases and alarm watches, and returns the
 * ExperimentCompleted entry. Null (and nothing published) when the execution had moved on.
 */
export const finish = async (
  deps: FinishDependencies,
  executionId: string,
  from: readonly Status[],
  to: FinalStatus,
  set: Partial<Execution>,
  expectedVersion?: number,
): Promise<{ execution: Execution; entries: BusEntry[] } | null> => {
  const done = await deps.store.transition(executionId, {
    from,
    to,
    ...(expectedVersion !== undefined ? { expectedVersion } : {}),
    set: { ...set, completedAt: deps.clock.now().toISOString() },
  });
  if (!done) return null;
  // The outcome joins the journal's hash chain, so that `faultline verify` can tell a result whose
  // verdict, criteria, figures or score were changed afterwards. The execution is final already: a
  // failed append must not keep ExperimentCompleted from being published (verify then finds no
  // recorded outcome, and says so).
  const stated = resultOf(done, []);
  await deps.store
    .journal(executionId, {
      phase: 'finish',
      action: 'completed',
      outcome: 'ok',
      detail: {
        status: stated.status,
        verdict: stated.verdict,
        safetyViolated: done.safety.violated,
        outcome: outcomeDigest({ ...stated, score: executionScore(done) }),
      },
    })
    .catch(() => undefined);
  await releaseHolds(deps, done);
  const faults = await deps.store.listFaults(executionId);
  return { execution: done, entries: [completedEntry(done, faults)] };
};

/**
 * Leases are given back, except when a fault may still be active (ROLLBACK_FAILED): then they are
 * pinned, never expire, and only a person gives them back (`faultline release`).
 */
const releaseHolds = async (deps: ReleaseHoldsDependencies, execution: Execution): Promise<void> => {
  for (const key of (execution.targets ?? []).flatMap(leaseKeys)) {
    if (execution.status === 'ROLLBACK_FAILED')
      await deps.store.pinLease(key, execution.executionId, (execution.reasons ?? []).join('; ') || 'rollback failed');
    else await deps.store.releaseLease(key, execution.executionId);
  }
  await deps.store.unwatchAlarms(
    execution.executionId,
    (execution.template?.stopConditions ?? []).map((s) => s.alarm),
  );
  await deps.timer.cancel(timerNames.revertDeadline(execution.executionId));
};

/** Names of an execution's schedules, built in one place. */
export const timerNames = {
  revertDeadline: (executionId: string) => `revert-${executionId}`,
  observationEnd: (executionId: string) => `observe-${executionId}`,
  recoveryCheck: (executionId: string, attempt: number) => `recover-${executionId}-${attempt}`,
};

/**
 * Undoes one fault, retrying a failed call with doubling pauses (`revertAttempts`,
 * `revertBackoffMs`): one failed call is no reason to call a person. Throws the last error.
 */
const revertWithRetries = async (deps: RevertWithRetriesDependencies, fault: FaultRecord): Promise<void> => {
  const provider = deps.faults.forFault(fault.target.provider, fault.faultType);
  for (let attempt = 1; ; attempt++) {
    try {
      await provider.revert(fault);
      return;
    } catch (error) {
      if (attempt >= deps.settings.revertAttempts) throw error;
      await journalAside(deps, fault.executionId, {
        phase: 'revert',
        action: `revert ${fault.action}`,
        outcome: 'failed',
        detail: { target: fault.target.key, attempt, retryInMs: deps.settings.revertBackoffMs * 2 ** (attempt - 1) },
        error: (error as Error).message,
      });
      await pause(deps.clock, deps.settings.revertBackoffMs * 2 ** (attempt - 1));
    }
  }
};

/**
 * Journals on the revert path without letting the journal decide anything: what a revert did is
 * settled by its provider and the fault record alone. A journal that cannot be written (throttled,
 * contended) loses that entry, never the revert, its retries or the faults after it.
 */
const journalAside = async (
  deps: { store: Pick<JournalRepository, 'journal'> },
  executionId: string,
  entry: Parameters<JournalRepository['journal']>[1],
): Promise<void> => {
  try {
    await deps.store.journal(executionId, entry);
  } catch {
    // The entry is lost; the chain stays whole (entries are numbered when written).
  }
};

/** A fault whose revert failed, as RollbackFailed reports it. */
interface RevertFailure {
  action: string;
  targetKey: string;
  error: string;
}

/**
 * Reverts `faults` one after the other (each with retries): a fault is marked REVERTED only once
 * its provider confirmed the undo, REVERT_FAILED otherwise, and each outcome is journaled under
 * `phase` (aside: a journal that fails changes no outcome). Never throws for a failed revert: the
 * failures are returned, for RollbackFailed; a fault update that fails is thrown, for a retry.
 */
export const revertFaults = async (
  deps: RevertFaultsDependencies,
  executionId: string,
  faults: readonly FaultRecord[],
  how: { phase: string; from: readonly FaultState[]; note?: string; detail?: Record<string, unknown> },
): Promise<RevertFailure[]> => {
  const { store, clock } = deps;
  const failures: RevertFailure[] = [];
  for (const fault of faults) {
    let failure: string | undefined;
    try {
      await revertWithRetries(deps, fault);
    } catch (error) {
      failure = (error as Error).message;
    }
    // A fault update that throws is thrown on: the event is retried, and reverting again is harmless.
    if (failure === undefined) {
      await store.updateFault(fault, how.from, 'REVERTED', { revertedAt: clock.now().toISOString() });
      await journalAside(deps, executionId, {
        phase: how.phase,
        action: `revert ${fault.action}${how.note ? ` (${how.note})` : ''}`,
        outcome: 'ok',
        detail: { target: fault.target.key, ...how.detail },
      });
      continue;
    }
    failures.push({ action: fault.action, targetKey: fault.target.key, error: failure });
    await store.updateFault(fault, how.from, 'REVERT_FAILED', { error: failure });
    await journalAside(deps, executionId, {
      phase: how.phase,
      action: `revert ${fault.action}`,
      outcome: 'failed',
      detail: { target: fault.target.key },
      error: failure,
    });
  }
  return failures;
};

/**
 * Writes a safety violation on the execution, before anything announces it (invariant 6): from
 * then on no verdict passes it, whenever (or whether) its SafetyViolated event arrives. The first
 * violation is kept. Null when the execution has ended (or does not exist): nothing to stop.
 */
export const recordViolation = async (
  deps: ViolationDependencies,
  executionId: string,
  safety: SafetyState,
): Promise<Execution | null> => {
  for (let attempt = 0; attempt < 5; attempt++) {
    const execution = await deps.store.getExecution(executionId);
    if (!execution || !ACTIVE_STATUSES.includes(execution.status)) return null;
    if (execution.safety.violated) return execution;
    const marked = await deps.store.transition(executionId, {
      from: [execution.status],
      expectedVersion: execution.version,
      set: { safety },
    });
    if (marked) return marked;
  }
  throw new ContentionError(`execution ${executionId} kept changing while recording a safety violation`);
};

/**
 * A safety violation written on the execution, then its announcement: `SafetyViolated`, or nothing
 * when the execution has ended (there is nothing left to stop).
 */
export const violation = async (
  deps: ViolationDependencies,
  executionId: string,
  stop: { source: 'alarm' | 'halt'; message: string; at: string; alarmName?: string },
): Promise<BusEntry[]> => {
  const { source, message, at, alarmName } = stop;
  const execution = await recordViolation(deps, executionId, { violated: true, reason: message, source, at });
  if (!execution) return [];
  const { experimentId } = execution;
  return [
    SafetyViolated.entry({
      executionId,
      experimentId,
      reason: source,
      message,
      at,
      ...(alarmName ? { alarmName } : {}),
    }),
  ];
};

/** Faults that may still be active: anything not confirmed reverted, nor known never to have landed. */
export const openFaults = (faults: readonly FaultRecord[]): FaultRecord[] =>
  faults.filter((f) => f.state !== 'REVERTED' && f.state !== 'FAILED');
