import {
  RecoveryCheckDue,
  RecoveryConfirmed,
  RecoveryTimedOut,
  RollbackFailed,
  SafetyViolated,
  type EventOf,
  type ScheduledEvent,
} from '../../events';
import type { Execution } from '../domain/execution';
import type { BusEntry } from '../ports';
import type {
  AlarmWatchRepository,
  ExecutionRepository,
  FaultRepository,
  JournalRepository,
  LeaseRepository,
} from '../store/execution-store';
import type { PhaseDependencies, PhaseSettings } from './dependencies';
import { FaultlineError } from '../errors';
import { ACTIVE_STATUSES } from '../domain/execution';
import { finish, openFaults } from './finish';

const PHASE = 'sweep';

/**
 * What the sweeper works with: the executions in each status, their faults and journal, and what
 * `finish` gives back (leases, alarm watches, the revert deadline) when it gives one up.
 */
export type SweepDependencies = {
  store: ExecutionRepository & FaultRepository & JournalRepository & LeaseRepository & AlarmWatchRepository;
} & Pick<PhaseDependencies, 'clock' | 'timer' | 'settings'>;

/**
 * The safety net behind the event flow (the "sweeper" access pattern of gsi1). A follow-up event
 * can be lost for good when a phase fails after its state change and its retries are exhausted;
 * the execution then waits forever, holding its leases. On each scheduled tick the sweeper finds
 * executions stuck past their deadlines and sends the event that moves them on: a safety stop
 * while a fault may be active (which reverts everything), the recovery check or the judgement
 * afterwards. After `maxSweeps` nudges it gives the execution up: ROLLBACK_FAILED when a fault
 * may still be active (leases kept, a human is called), FAILED otherwise.
 */
export const sweep = async (_event: EventOf<typeof ScheduledEvent>, deps: SweepDependencies): Promise<BusEntry[]> => {
  const entries: BusEntry[] = [];
  const failed: string[] = [];
  const now = deps.clock.now();
  // An execution that stays in an active status too long lost an event.
  for (const status of ACTIVE_STATUSES) {
    for (const execution of await deps.store.executionsInStatus(status)) {
      // One execution that cannot be moved (an item the table refuses to change, a provider that
      // throws) must not keep the sweeper from the others: it is journaled and skipped.
      try {
        entries.push(...(await sweepOne(deps, execution, now)));
      } catch (error) {
        failed.push(execution.executionId);
        await deps.store
          .journal(execution.executionId, {
            phase: PHASE,
            action: 'sweep',
            outcome: 'failed',
            error: `${(error as Error).name}: ${(error as Error).message}`,
          })
          .catch(() => undefined);
      }
    }
  }
  if (failed.length && !entries.length) {
    // Nothing else to do: fail the tick so that the failure shows (metrics, dead letters).
    throw new SweepError(`the sweeper could not move ${failed.length} execution(s): ${failed.slice(0, 10).join(', ')}`);
  }
  return entries;
};

/** The sweeper could not move some executions (each is journaled). */
export class SweepError extends FaultlineError {}

const sweepOne = async (deps: SweepDependencies, execution: Execution, now: Date): Promise<BusEntry[]> => {
  if (
    (execution.status === 'REQUESTED' || execution.status === 'PREPARING') &&
    now.getTime() - Date.parse(execution.updatedAt) > deps.settings.stuckAfterMs
  ) {
    // Nothing can have been injected before INJECTING: no safety violation, the run never started.
    const reason = `stuck in ${execution.status} since ${execution.updatedAt}: it never started`;
    const done = await finish(
      deps,
      execution.executionId,
      [execution.status],
      'FAILED',
      { verdict: 'INCONCLUSIVE', failure: reason, reasons: [reason] },
      execution.version,
    );
    await deps.store.journal(execution.executionId, {
      phase: PHASE,
      action: 'give up',
      outcome: done ? 'failed' : 'stale',
      detail: { reason },
    });
    return done?.entries ?? [];
  }
  const entry = nudge(execution, now, deps.settings);
  if (!entry) return [];
  const sweeps = (execution.sweeps ?? 0) + 1;
  if (sweeps > deps.settings.maxSweeps) return giveUp(deps, execution);
  const counted = await deps.store.transition(execution.executionId, {
    from: [execution.status],
    expectedVersion: execution.version,
    set: { sweeps },
  });
  if (!counted) return []; // it moved meanwhile
  await deps.store.journal(execution.executionId, {
    phase: PHASE,
    action: `stuck in ${execution.status} since ${execution.updatedAt}`,
    outcome: 'ok',
    detail: { sends: entry.detailType, sweeps },
  });
  return [entry];
};

const nudge = (execution: Execution, now: Date, settings: PhaseSettings): BusEntry | undefined => {
  const { executionId, experimentId } = execution;
  const since = Date.parse(execution.updatedAt);
  const idleMs = now.getTime() - since;
  const stop = (message: string) =>
    SafetyViolated.entry({ executionId, experimentId, reason: 'deadline', message, at: now.toISOString() });
  switch (execution.status) {
    case 'INJECTING':
    case 'REVERTING':
      return idleMs > settings.stuckWithFaultAfterMs
        ? stop(`stuck in ${execution.status} since ${execution.updatedAt}: reverted by the sweeper`)
        : undefined;
    case 'OBSERVING': {
      const deadline = execution.revertDeadline ? Date.parse(execution.revertDeadline) : since;
      return now.getTime() - deadline > settings.deadlineGraceMs
        ? stop(`revert deadline ${execution.revertDeadline} passed: reverted by the sweeper`)
        : undefined;
    }
    case 'RECOVERING': {
      const deadline = execution.recoveryDeadline ? Date.parse(execution.recoveryDeadline) : since;
      if (now.getTime() - Math.max(deadline, since) <= settings.stuckAfterMs) return undefined;
      return RecoveryCheckDue.entry({
        executionId,
        experimentId,
        attempt: 1,
        deadline: execution.recoveryDeadline ?? now.toISOString(),
      });
    }
    case 'VALIDATING':
      if (idleMs <= settings.stuckAfterMs) return undefined;
      // Validate judges from the stored execution; this re-sends the event that was lost.
      return execution.recoveryTimedOut
        ? RecoveryTimedOut.entry({
            executionId,
            experimentId,
            waitedSeconds: 0,
            lastCheck: 'resent by the sweeper',
            at: now.toISOString(),
          })
        : RecoveryConfirmed.entry({
            executionId,
            experimentId,
            recoverySeconds: execution.recoverySeconds ?? 0,
            confirmedAt: execution.recoveredAt ?? now.toISOString(),
          });
    default:
      return undefined;
  }
};

const giveUp = async (deps: SweepDependencies, execution: Execution): Promise<BusEntry[]> => {
  const { executionId, experimentId } = execution;
  const open = openFaults(await deps.store.listFaults(executionId));
  const reason = `stuck in ${execution.status} after ${execution.sweeps ?? 0} nudges of the sweeper`;
  if (open.length) {
    const faults = open.map((f) => ({
      action: f.action,
      targetKey: f.target.key,
      error: `${reason}; fault ${f.state}`,
    }));
    const done = await finish(
      deps,
      executionId,
      [execution.status],
      'ROLLBACK_FAILED',
      { verdict: 'FAILED', reasons: [reason] },
      execution.version,
    );
    return done ? [RollbackFailed.entry({ executionId, experimentId, faults }), ...done.entries] : [];
  }
  const done = await finish(
    deps,
    executionId,
    [execution.status],
    'FAILED',
    { verdict: 'INCONCLUSIVE', failure: reason, reasons: [reason] },
    execution.version,
  );
  await deps.store.journal(executionId, {
    phase: PHASE,
    action: 'give up',
    outcome: done ? 'failed' : 'stale',
    detail: { reason },
  });
  return done?.entries ?? [];
};
