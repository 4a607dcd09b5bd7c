import { RecoveryCheckDue, RecoveryConfirmed, RecoveryTimedOut, type EventOf, type FaultReverted } from '../../events';
import type { Execution } from '../domain/execution';
import { recoveryCheckEveryMs } from '../domain/template';
import type { BusEntry } from '../ports';
import type { ExecutionRepository, JournalRepository } from '../store/execution-store';
import type { PhaseDependencies } from './dependencies';
import { timerNames } from './finish';
import { executionIn } from './stale';

const PHASE = 'recover';

/** What recover works with: the execution, its journal, the health check and the next check's timer. */
export type RecoverDependencies = {
  store: ExecutionRepository & JournalRepository;
} & Pick<PhaseDependencies, 'clock' | 'timer' | 'health'>;

/** FaultReverted → the first health check, at once. */
export const beginRecovery = async (
  event: EventOf<typeof FaultReverted>,
  deps: RecoverDependencies,
): Promise<BusEntry[]> => checkRecovery(deps, event.detail.executionId, 1, 'FaultReverted');

/** RecoveryCheckDue → the next health check. */
export const continueRecovery = async (
  event: EventOf<typeof RecoveryCheckDue>,
  deps: RecoverDependencies,
): Promise<BusEntry[]> => checkRecovery(deps, event.detail.executionId, event.detail.attempt, 'RecoveryCheckDue');

const checkRecovery = async (
  deps: RecoverDependencies,
  executionId: string,
  attempt: number,
  cause: string,
): Promise<BusEntry[]> => {
  const { store, clock } = deps;
  const found = await executionIn(deps, executionId, ['RECOVERING'], PHASE, cause, {
    ready: (e) => e.template !== undefined && e.revertedAt !== undefined && e.recoveryDeadline !== undefined,
    detail: { attempt },
  });
  if (!found) return [];
  const execution = found as typeof found &
    Required<Pick<typeof found, 'template' | 'revertedAt' | 'recoveryDeadline'>>;
  let health: { steady: boolean; detail?: string };
  try {
    health = await deps.health.steady(execution.template, execution.targets ?? []);
  } catch (error) {
    // Unknown is not recovered: keep checking until the deadline.
    health = { steady: false, detail: `health check failed: ${(error as Error).message}` };
  }
  const now = clock.now();
  await store.journal(executionId, {
    phase: PHASE,
    action: `health check ${attempt}`,
    outcome: health.steady ? 'ok' : 'skipped',
    detail: { steady: health.steady, detail: health.detail },
  });

  if (health.steady) {
    const recoverySeconds = Math.max(0, (now.getTime() - Date.parse(execution.revertedAt)) / 1000);
    const validating = await store.transition(executionId, {
      from: ['RECOVERING'],
      to: 'VALIDATING',
      set: { recoveredAt: now.toISOString(), recoverySeconds },
    });
    return validating
      ? [
          RecoveryConfirmed.entry({
            executionId,
            experimentId: execution.experimentId,
            recoverySeconds,
            confirmedAt: now.toISOString(),
          }),
        ]
      : [];
  }

  const deadline = Date.parse(execution.recoveryDeadline);
  if (now.getTime() >= deadline) {
    const waitedSeconds = (now.getTime() - Date.parse(execution.revertedAt)) / 1000;
    const validating = await store.transition(executionId, {
      from: ['RECOVERING'],
      to: 'VALIDATING',
      set: { recoveryTimedOut: true },
    });
    return validating
      ? [
          RecoveryTimedOut.entry({
            executionId,
            experimentId: execution.experimentId,
            waitedSeconds,
            ...(health.detail ? { lastCheck: health.detail } : {}),
            at: now.toISOString(),
          }),
        ]
      : [];
  }

  await scheduleNextCheck(
    deps,
    execution,
    attempt + 1,
    new Date(Math.min(now.getTime() + recoveryCheckEveryMs(execution.template), deadline)),
  );
  return [];
};

const scheduleNextCheck = (deps: Pick<PhaseDependencies, 'timer'>, execution: Execution, attempt: number, at: Date) =>
  deps.timer.schedule({
    name: timerNames.recoveryCheck(execution.executionId, attempt),
    at,
    entry: RecoveryCheckDue.entry({
      executionId: execution.executionId,
      experimentId: execution.experimentId,
      attempt,
      deadline: execution.recoveryDeadline!,
    }),
  });
