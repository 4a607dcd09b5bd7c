import {
  FaultInjected,
  InjectionFailed,
  RollbackFailed,
  SafetyViolated,
  type EventOf,
  type ExperimentStarted,
} from '../../events';
import { isFinal, leaseKeys, type Execution, type FaultRecord } from '../domain/execution';
import type { FaultType } from '../domain/faults';
import { actionDurationMs, windowMs } from '../domain/template';
import { FaultlineError } from '../errors';
import type { BusEntry } from '../ports';
import type {
  AlarmWatchRepository,
  ExecutionRepository,
  FaultRepository,
  HaltSwitchRepository,
  JournalRepository,
  LeaseRepository,
} from '../store/execution-store';
import type { PhaseDependencies } from './dependencies';
import {
  finish,
  violation,
  revertFaults,
  timerNames,
  type FinishDependencies,
  type RevertFaultsDependencies,
} from './finish';
import { faultSummaries } from './result';
import { executionIn } from './stale';

const PHASE = 'inject';

/**
 * What inject works with: the execution, its fault records and journal, the halt switch, the
 * revert deadline's timer and the providers; and, to undo its own faults after a stop, what
 * `finish` gives back (leases, alarm watches) and the revert retry settings.
 */
export type InjectDependencies = {
  store: ExecutionRepository &
    FaultRepository &
    JournalRepository &
    HaltSwitchRepository &
    LeaseRepository &
    AlarmWatchRepository;
} & Pick<PhaseDependencies, 'clock' | 'timer' | 'faults' | 'settings'>;

/** Another attempt is injecting this fault right now; this one is retried later. */
export class InjectionInProgressError extends FaultlineError {}

/**
 * ExperimentStarted → FaultInjected. The revert deadline is armed before the first fault is
 * injected (invariant 1); each fault is recorded before it is injected, so that revert can find
 * it whatever happens next; the status is read again before each fault, so that a stop during
 * injection injects nothing more.
 */
export const inject = async (
  event: EventOf<typeof ExperimentStarted>,
  deps: InjectDependencies,
): Promise<BusEntry[]> => {
  const { store, clock, timer } = deps;
  const { executionId } = event.detail;
  const execution = await executionIn(deps, executionId, ['INJECTING'], PHASE, 'ExperimentStarted', {
    ready: (e) => e.template !== undefined,
  });
  if (!execution) return [];
  const template = execution.template!;
  const now = clock.now();
  const { experimentId } = execution;

  // Whatever stops this attempt before it injects goes through revert, never straight to a final
  // status: another attempt of this start may be injecting right now (its record may even be
  // written after this one looked), and only revert, which changes the status first and lists the
  // faults after, sees every one and waits for those in flight.
  if (now.getTime() > Date.parse(event.detail.injectBy)) {
    await store.journal(executionId, {
      phase: PHASE,
      action: 'ExperimentStarted',
      outcome: 'stale',
      detail: { injectBy: event.detail.injectBy, at: now.toISOString() },
    });
    const [firstAction] = Object.keys(template.actions);
    return [
      InjectionFailed.entry({
        executionId,
        experimentId,
        action: firstAction!,
        error: `the start event arrived after its injection deadline ${event.detail.injectBy}: nothing more is injected`,
      }),
    ];
  }

  const halt = await store.haltState();
  if (halt) {
    await store.journal(executionId, {
      phase: PHASE,
      action: 'halt',
      outcome: 'skipped',
      detail: { reason: halt.reason },
    });
    return violation(deps, executionId, { source: 'halt', message: `halted: ${halt.reason}`, at: now.toISOString() });
  }

  if (execution.safety.violated) {
    // Whoever wrote the violation announced it; revert stops the run.
    await store.journal(executionId, {
      phase: PHASE,
      action: 'ExperimentStarted',
      outcome: 'skipped',
      detail: { safety: execution.safety.reason },
    });
    return [];
  }

  const actions = Object.entries(template.actions);
  // A retried attempt keeps the deadline the first one armed (the schedule keeps its first time).
  const revertDeadline = execution.revertDeadline
    ? new Date(execution.revertDeadline)
    : new Date(now.getTime() + Math.min(...actions.map(([, a]) => actionDurationMs(a))));
  await timer.schedule({
    name: timerNames.revertDeadline(executionId),
    at: revertDeadline,
    entry: SafetyViolated.entry({
      executionId,
      experimentId,
      reason: 'deadline',
      message: `revert deadline ${revertDeadline.toISOString()} reached`,
      at: revertDeadline.toISOString(),
    }),
  });
  if (!execution.revertDeadline) {
    const armed = await store.transition(executionId, {
      from: ['INJECTING'],
      set: { revertDeadline: revertDeadline.toISOString() },
    });
    if (!armed) return []; // stopped before anything was injected
  }
  await store.journal(executionId, {
    phase: PHASE,
    action: 'arm-revert-deadline',
    outcome: 'ok',
    detail: { at: revertDeadline.toISOString() },
  });

  const injected: FaultRecord[] = [];
  for (const [action, spec] of actions) {
    for (const target of (execution.targets ?? []).filter((t) => t.name === spec.target)) {
      const record: FaultRecord = {
        executionId,
        action,
        faultType: spec.fault as FaultType,
        target,
        parameters: spec.parameters,
        state: 'ARMED',
        owner: event.id,
        armedAt: clock.now().toISOString(),
        expiresAt: new Date(now.getTime() + actionDurationMs(spec)).toISOString(),
      };
      if (!(await store.recordFault(record))) {
        const existing = (await store.listFaults(executionId)).find(
          (f) => f.action === action && f.target.key === target.key,
        );
        if (existing?.state === 'INJECTED') {
          injected.push(existing);
          continue;
        }
        if (existing?.state !== 'ARMED') {
          // Reverted, failed or given up by another attempt: revert has taken over.
          await store.journal(executionId, {
            phase: PHASE,
            action: `inject ${action}`,
            outcome: 'stale',
            detail: { state: existing?.state },
          });
          return [];
        }
        if (existing.owner !== event.id) {
          throw new InjectionInProgressError(
            `${action} on ${target.key} is being injected by another attempt (${existing.owner ?? 'unknown'})`,
          );
        }
        // An earlier attempt of this very event stopped halfway through this fault: inject it again.
      }
      // The record is visible to revert from here on. Revert changes the status first and lists the
      // faults after, so either it sees this record, or this read sees its change (invariant 3).
      const current = await store.getExecution(executionId);
      if (current?.status !== 'INJECTING' || current.safety.violated) {
        await store.updateFault(record, ['ARMED'], 'FAILED', {
          error: `not injected: the execution was ${current?.status ?? 'gone'}`,
        });
        await store.journal(executionId, {
          phase: PHASE,
          action: `inject ${action}`,
          outcome: 'skipped',
          detail: { status: current?.status },
        });
        return current && isFinal(current.status) ? revertOwn(deps, execution, injected) : [];
      }
      try {
        const provider = deps.faults.forFault(target.provider, record.faultType);
        const outcome = await provider.inject({
          executionId,
          action,
          faultType: record.faultType,
          target,
          parameters: spec.parameters,
          expiresAt: new Date(record.expiresAt),
        });
        const done = await store.updateFault(record, ['ARMED'], 'INJECTED', {
          handle: outcome.handle,
          injectedAt: clock.now().toISOString(),
        });
        injected.push(done ?? { ...record, state: 'INJECTED', handle: outcome.handle });
        await store.journal(executionId, {
          phase: PHASE,
          action: `inject ${action}`,
          outcome: 'ok',
          detail: { target: target.key, faultType: record.faultType },
        });
      } catch (error) {
        const message = (error as Error).message;
        await store.updateFault(record, ['ARMED'], 'FAILED', { error: message });
        await store.journal(executionId, {
          phase: PHASE,
          action: `inject ${action}`,
          outcome: 'failed',
          detail: { target: target.key },
          error: message,
        });
        return [InjectionFailed.entry({ executionId, experimentId, action, targetKey: target.key, error: message })];
      }
    }
  }

  const injectedAt = clock.now();
  // The deadline counts from the start of injection, the window from its end: when injecting took
  // long, the window is shortened so that it ends (and the planned revert runs) before the deadline.
  // Timers may fire late (Scheduler: within two minutes); the window's end must still come first.
  const window = windowMs(template);
  const latestEnd = revertDeadline.getTime() - Math.max(Math.min(window, 5_000), timer.latenessMs);
  const observationEndsAt = new Date(
    Math.max(injectedAt.getTime(), Math.min(injectedAt.getTime() + window, latestEnd)),
  );
  if (observationEndsAt.getTime() < injectedAt.getTime() + window) {
    await store.journal(executionId, {
      phase: PHASE,
      action: 'shorten-observation',
      outcome: 'ok',
      detail: { observationEndsAt: observationEndsAt.toISOString(), revertDeadline: revertDeadline.toISOString() },
    });
  }
  const observing = await store.transition(executionId, {
    from: ['INJECTING'],
    to: 'OBSERVING',
    set: {
      injectedAt: injectedAt.toISOString(),
      revertDeadline: revertDeadline.toISOString(),
      observationEndsAt: observationEndsAt.toISOString(),
    },
  });
  if (!observing) {
    // Another attempt won (OBSERVING or later: touch nothing), or the run was stopped: revert sees
    // every record this attempt wrote and waits for injections in flight. Only a run that ended
    // meanwhile leaves what landed to this attempt.
    const current = await store.getExecution(executionId);
    if (current && isFinal(current.status)) return revertOwn(deps, execution, injected);
    await store.journal(executionId, {
      phase: PHASE,
      action: 'observe',
      outcome: 'stale',
      detail: { status: current?.status },
    });
    return [];
  }
  return [
    FaultInjected.entry({
      executionId,
      experimentId,
      faults: faultSummaries(injected),
      revertDeadline: revertDeadline.toISOString(),
      observationEndsAt: observationEndsAt.toISOString(),
    }),
  ];
};

/**
 * Reverts the faults this attempt injected after the execution was stopped. A fault that cannot be
 * undone is never swallowed: the execution ends ROLLBACK_FAILED (keeping its leases) and
 * RollbackFailed calls for a human; if it had ended already, its targets are leased again.
 */
const revertOwn = async (
  deps: RevertFaultsDependencies & FinishDependencies & { store: Pick<LeaseRepository, 'pinLease'> },
  execution: Execution,
  injected: readonly FaultRecord[],
): Promise<BusEntry[]> => {
  const failures = await revertFaults(deps, execution.executionId, injected, {
    phase: PHASE,
    from: ['INJECTED', 'ARMED', 'REVERTED', 'REVERT_FAILED'],
    note: 'stopped while injecting',
  });
  if (!failures.length) return [];
  const { executionId, experimentId } = execution;
  const alarm = RollbackFailed.entry({ executionId, experimentId, faults: failures });
  const done = await finish(
    deps,
    executionId,
    ['INJECTING', 'OBSERVING', 'REVERTING', 'RECOVERING', 'VALIDATING'],
    'ROLLBACK_FAILED',
    {
      verdict: 'FAILED',
      reasons: failures.map((f) => `revert of ${f.action} on ${f.targetKey} failed: ${f.error}`),
    },
  );
  if (done) return [alarm, ...done.entries];
  // Already final: nobody else may take these targets while the fault may be active.
  for (const fault of injected.filter((f) =>
    failures.some((x) => x.action === f.action && x.targetKey === f.target.key),
  )) {
    for (const key of leaseKeys(fault.target))
      await deps.store.pinLease(key, executionId, `revert of ${fault.action} failed after the run ended`);
  }
  return [alarm];
};
