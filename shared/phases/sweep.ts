import { RecoveryCheckDue, RecoveryConfirmed, RecoveryTimedOut, SafetyViolated, type EventOf, type ScheduledEvent } from '../../events';
import type { Execution, Status } from '../domain/execution';
import type { BusEntry } from '../ports';
import type { PhaseDependencies } from './dependencies';

const PHASE = 'sweep';

/** Statuses an execution passes through; one that stays in them too long lost an event. */
const ACTIVE: readonly Status[] = ['REQUESTED', 'PREPARING', 'INJECTING', 'OBSERVING', 'REVERTING', 'RECOVERING', 'VALIDATING'];

/**
 * The safety net behind the event flow (the "sweeper" access pattern of gsi1). A follow-up event
 * can be lost for good when a phase fails after its state change and its retries are exhausted;
 * the execution then waits forever, holding its leases. On each scheduled tick the sweeper finds
 * executions stuck past their deadlines and sends the event that moves them on: a safety stop
 * while a fault may be active (which reverts everything), the recovery check or the judgement
 * afterwards. Everything it sends goes through the same conditional transitions as the first time.
 */
export const sweep = async (_event: EventOf<typeof ScheduledEvent>, deps: PhaseDependencies): Promise<BusEntry[]> => {
  const entries: BusEntry[] = [];
  const now = deps.clock.now();
  for (const status of ACTIVE) {
    for (const execution of await deps.store.executionsInStatus(status)) {
      const entry = nudge(execution, now, deps.settings.stuckAfterMs);
      if (!entry) continue;
      await deps.store.journal(execution.executionId, {
        phase: PHASE,
        action: `stuck in ${execution.status} since ${execution.updatedAt}`,
        outcome: 'ok',
        detail: { sends: entry.detailType },
      });
      entries.push(entry);
    }
  }
  return entries;
};

const nudge = (execution: Execution, now: Date, stuckAfterMs: number): BusEntry | undefined => {
  const { executionId, experimentId } = execution;
  const since = Date.parse(execution.updatedAt);
  const stuck = now.getTime() - since > stuckAfterMs;
  const stop = (message: string) =>
    SafetyViolated.entry({ executionId, experimentId, reason: 'deadline', message, at: now.toISOString() });
  switch (execution.status) {
    case 'REQUESTED':
    case 'PREPARING':
    case 'INJECTING':
    case 'REVERTING':
      return stuck ? stop(`stuck in ${execution.status} since ${execution.updatedAt}: stopped and reverted by the sweeper`) : undefined;
    case 'OBSERVING': {
      const deadline = execution.revertDeadline ? Date.parse(execution.revertDeadline) : since;
      return now.getTime() - deadline > stuckAfterMs ? stop(`revert deadline ${execution.revertDeadline} passed: reverted by the sweeper`) : undefined;
    }
    case 'RECOVERING': {
      const deadline = execution.recoveryDeadline ? Date.parse(execution.recoveryDeadline) : since;
      if (now.getTime() - Math.max(deadline, since) <= stuckAfterMs) return undefined;
      return RecoveryCheckDue.entry({ executionId, experimentId, attempt: 1, deadline: execution.recoveryDeadline ?? now.toISOString() });
    }
    case 'VALIDATING':
      if (!stuck) return undefined;
      // Validate judges from the stored execution; this re-sends the event that was lost.
      return execution.recoveryTimedOut
        ? RecoveryTimedOut.entry({ executionId, experimentId, waitedSeconds: 0, lastCheck: 'resent by the sweeper', at: now.toISOString() })
        : RecoveryConfirmed.entry({ executionId, experimentId, recoverySeconds: execution.recoverySeconds ?? 0, confirmedAt: execution.recoveredAt ?? now.toISOString() });
    default:
      return undefined;
  }
};
