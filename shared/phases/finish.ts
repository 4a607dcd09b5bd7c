import type { Execution, FinalStatus, Status } from '../domain/execution';
import type { BusEntry } from '../ports';
import type { PhaseDependencies } from './dependencies';
import { completedEntry } from './result';

/**
 * Moves an execution to a final status, gives back its leases and alarm watches, and returns the
 * ExperimentCompleted entry. Null (and nothing published) when the execution had moved on.
 */
export const finish = async (
  deps: PhaseDependencies,
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
  await releaseHolds(deps, done);
  const faults = await deps.store.listFaults(executionId);
  return { execution: done, entries: [completedEntry(done, faults)] };
};

/** Leases are kept when a fault may still be active (ROLLBACK_FAILED): nobody else may hit it. */
export const releaseHolds = async (deps: PhaseDependencies, execution: Execution): Promise<void> => {
  if (execution.status !== 'ROLLBACK_FAILED') {
    for (const t of execution.targets ?? []) await deps.store.releaseLease(t.key, execution.executionId);
  }
  await deps.store.unwatchAlarms(execution.executionId, (execution.template?.stopConditions ?? []).map((s) => s.alarm));
  await deps.timer.cancel(timerNames.revertDeadline(execution.executionId));
};

/** Names of an execution's schedules, built in one place. */
export const timerNames = {
  revertDeadline: (executionId: string) => `revert-${executionId}`,
  observationEnd: (executionId: string) => `observe-${executionId}`,
  recoveryCheck: (executionId: string, attempt: number) => `recover-${executionId}-${attempt}`,
};
