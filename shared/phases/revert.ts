import {
  FaultReverted,
  RollbackFailed,
  type EventOf,
  type InjectionFailed,
  type ObservationCompleted,
  type SafetyViolated,
} from '../../events';
import type { Execution, FaultRecord, SafetyState } from '../domain/execution';
import { recoveryTimeoutMs } from '../domain/template';
import { ContentionError, FaultlineError } from '../errors';
import { pause, type BusEntry } from '../ports';
import { forAtMost, pollUntil } from '../poll';
import type {
  AlarmWatchRepository,
  ExecutionRepository,
  FaultRepository,
  JournalRepository,
  LeaseRepository,
} from '../store/execution-store';
import type { PhaseDependencies } from './dependencies';
import { ACTIVE_STATUSES } from '../domain/execution';
import { finish, revertFaults, timerNames } from './finish';
import { faultSummaries } from './result';
import { executionIn, journalStale } from './stale';

const PHASE = 'revert';

/**
 * What revert works with: the execution, its faults and journal, what `finish` gives back (leases,
 * alarm watches), the providers that undo each fault, the timers it cancels and the figures up to a stop.
 */
export type RevertDependencies = {
  store: ExecutionRepository & FaultRepository & JournalRepository & LeaseRepository & AlarmWatchRepository;
} & Pick<PhaseDependencies, 'clock' | 'timer' | 'faults' | 'metrics' | 'settings'>;

/** ObservationCompleted → the planned revert. */
export const revertPlanned = async (
  event: EventOf<typeof ObservationCompleted>,
  deps: RevertDependencies,
): Promise<BusEntry[]> => {
  const execution = await executionIn(deps, event.detail.executionId, ['REVERTING'], PHASE, 'ObservationCompleted');
  return execution ? revertAll(deps, execution, true) : [];
};

/** InjectionFailed → undo whatever was partly done; the execution ends FAILED. */
export const revertAfterInjectionFailure = async (
  event: EventOf<typeof InjectionFailed>,
  deps: RevertDependencies,
): Promise<BusEntry[]> => {
  const reverting = await deps.store.transition(event.detail.executionId, {
    from: ['INJECTING'],
    to: 'REVERTING',
    set: { failure: `injection of ${event.detail.action} failed: ${event.detail.error}` },
  });
  if (!reverting) {
    const { executionId } = event.detail;
    await journalStale(deps, executionId, await deps.store.getExecution(executionId), PHASE, 'InjectionFailed');
    return [];
  }
  return revertAll(deps, reverting, false);
};

/**
 * SafetyViolated → every injected fault is reverted at once, and the execution is marked so that
 * it can never pass (invariant 6). Before injection it simply ends ABORTED; after the revert
 * (recovering, validating) the mark is enough.
 */
export const revertForSafety = async (
  event: EventOf<typeof SafetyViolated>,
  deps: RevertDependencies,
): Promise<BusEntry[]> => {
  const { executionId, reason, message, at } = event.detail;
  const safety: SafetyState = { violated: true, reason: message, source: reason, at };
  const { store } = deps;
  for (let attempt = 0; attempt < 5; attempt++) {
    const execution = await executionIn(deps, executionId, ACTIVE_STATUSES, PHASE, `SafetyViolated (${reason})`);
    if (!execution) return [];
    await store.journal(executionId, {
      phase: PHASE,
      action: `SafetyViolated (${reason})`,
      outcome: 'ok',
      detail: { message, status: execution.status },
    });
    switch (execution.status) {
      case 'REQUESTED':
      case 'PREPARING': {
        const done = await finish(
          deps,
          executionId,
          [execution.status],
          'ABORTED',
          {
            verdict: 'FAILED',
            safety,
            reasons: ['stopped before injection: nothing was injected'],
          },
          execution.version,
        );
        if (done) return done.entries;
        break;
      }
      case 'INJECTING':
      case 'OBSERVING': {
        const reverting = await store.transition(executionId, {
          from: [execution.status],
          to: 'REVERTING',
          expectedVersion: execution.version,
          set: { safety },
        });
        if (reverting) return revertAll(deps, reverting, false);
        break;
      }
      case 'REVERTING': {
        // The revert deadline reached during a planned revert is no violation: the fault ends on time.
        if (reason === 'deadline' && execution.observation && !execution.safety.violated)
          return revertAll(deps, execution, true);
        // A revert may be under way already; reverting is idempotent, so do it again now.
        const marked = await store.transition(executionId, {
          from: ['REVERTING'],
          expectedVersion: execution.version,
          set: { safety },
        });
        if (marked) return revertAll(deps, marked, false);
        break;
      }
      case 'RECOVERING':
      case 'VALIDATING': {
        if (reason === 'deadline') {
          // Every fault is reverted already: a deadline that fires now has nothing left to stop.
          await store.journal(executionId, {
            phase: PHASE,
            action: 'SafetyViolated (deadline)',
            outcome: 'stale',
            detail: { status: execution.status },
          });
          return [];
        }
        // Every fault is reverted already; the violation still decides the verdict.
        const marked = await store.transition(executionId, {
          from: [execution.status],
          expectedVersion: execution.version,
          set: { safety },
        });
        if (marked) return [];
        break;
      }
    }
  }
  throw new ContentionError(`execution ${executionId} kept changing while recording a safety violation`);
};

/** Revert cannot finish yet: an injection is still in flight; its event is retried later. */
export class InjectionInFlightError extends FaultlineError {}

/**
 * The execution's faults once no injection is in flight: an ARMED record whose attempt may still
 * be running (younger than `injectAttemptMaxMs`) is waited for, at most `injectionSettleMs`; then
 * revert gives up for now (its event is retried) rather than undo a fault that may land after it.
 */
const settledFaults = async (
  deps: { store: Pick<FaultRepository, 'listFaults'> & Pick<JournalRepository, 'journal'> } & Pick<
    PhaseDependencies,
    'clock' | 'settings'
  >,
  executionId: string,
): Promise<FaultRecord[]> => {
  const { store, clock, settings } = deps;
  const names = (faults: readonly FaultRecord[]) => faults.map((f) => `${f.action}@${f.target.key}`);
  let waiting = false;
  const { value } = await pollUntil(
    forAtMost(settings.injectionSettleMs, Math.min(1_000, Math.max(10, settings.injectionSettleMs / 50)), {
      sleep: (ms) => pause(clock, ms),
      now: () => clock.now().getTime(),
    }),
    async () => {
      const faults = await store.listFaults(executionId);
      const now = clock.now().getTime();
      const inFlight = faults.filter(
        (f) => f.state === 'ARMED' && Date.parse(f.armedAt) + settings.injectAttemptMaxMs > now,
      );
      if (inFlight.length && !waiting) {
        waiting = true;
        await store.journal(executionId, {
          phase: PHASE,
          action: 'wait for injections in flight',
          outcome: 'skipped',
          detail: { inFlight: names(inFlight) },
        });
      }
      return { faults, inFlight };
    },
    (read) => read.inFlight.length === 0,
  );
  if (!value.inFlight.length) return value.faults;
  await store.journal(executionId, {
    phase: PHASE,
    action: 'wait for injections in flight',
    outcome: 'failed',
    detail: { inFlight: names(value.inFlight) },
  });
  throw new InjectionInFlightError(
    `execution ${executionId}: ${value.inFlight.length} injection(s) still in flight; revert is retried`,
  );
};

const revertAll = async (deps: RevertDependencies, execution: Execution, planned: boolean): Promise<BusEntry[]> => {
  const { store, clock, timer } = deps;
  const { executionId } = execution;
  const pending = (await settledFaults(deps, executionId)).filter((f) => f.state !== 'REVERTED');
  const failures = await revertFaults(deps, executionId, pending, {
    phase: PHASE,
    from: ['ARMED', 'INJECTED', 'FAILED', 'REVERT_FAILED'],
    detail: { planned },
  });

  if (failures.length > 0) {
    const done = await finish(deps, executionId, ['REVERTING'], 'ROLLBACK_FAILED', {
      verdict: 'FAILED',
      reasons: failures.map((f) => `revert of ${f.action} on ${f.targetKey} failed: ${f.error}`),
    });
    return [
      RollbackFailed.entry({ executionId, experimentId: execution.experimentId, faults: failures }),
      ...(done?.entries ?? []),
    ];
  }

  await timer.cancel(timerNames.revertDeadline(executionId));
  await timer.cancel(timerNames.observationEnd(executionId));
  const revertedAt = clock.now();
  // Measured only now, so that measuring never delays a revert.
  const observation = execution.observation ? undefined : await observedUntilStop(deps, execution);
  const recovering = await store.transition(executionId, {
    from: ['REVERTING'],
    to: 'RECOVERING',
    set: {
      ...(observation ? { observation } : {}),
      revertedAt: revertedAt.toISOString(),
      recoveryDeadline: new Date(revertedAt.getTime() + recoveryTimeoutMs(execution.template!)).toISOString(),
    },
  });
  if (!recovering) return [];
  return [
    FaultReverted.entry({
      executionId,
      experimentId: execution.experimentId,
      faults: faultSummaries(await store.listFaults(executionId)),
      revertedAt: revertedAt.toISOString(),
      planned: planned && !recovering.safety.violated,
    }),
  ];
};

/** The figures from injection to the stop: what the report shows of an aborted experiment. */
const observedUntilStop = async (
  deps: { store: Pick<JournalRepository, 'journal'> } & Pick<PhaseDependencies, 'clock' | 'metrics'>,
  execution: Execution,
): Promise<Execution['observation']> => {
  if (!execution.injectedAt || !execution.template) return undefined;
  // The stop's time comes from its event (an alarm's own time): kept within [injectedAt, now].
  const now = deps.clock.now().getTime();
  const injectedAt = Date.parse(execution.injectedAt);
  const stoppedAt = new Date(
    Math.min(now, Math.max(injectedAt, execution.safety.at ? Date.parse(execution.safety.at) : now)),
  );
  try {
    return await deps.metrics.measure(execution.template, { from: new Date(execution.injectedAt), to: stoppedAt });
  } catch (error) {
    await deps.store.journal(execution.executionId, {
      phase: PHASE,
      action: 'measure',
      outcome: 'failed',
      error: (error as Error).message,
    });
    return undefined;
  }
};
