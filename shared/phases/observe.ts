import { ObservationCompleted, ObservationWindowElapsed, type EventOf, type FaultInjected } from '../../events';
import { pause, type BusEntry } from '../ports';
import type { ExecutionRepository, HaltSwitchRepository, JournalRepository } from '../store/execution-store';
import type { PhaseDependencies } from './dependencies';
import { violation, timerNames } from './finish';
import { executionIn } from './stale';

const PHASE = 'observe';

/** What the start of observation works with: the execution, its journal, the halt switch, and the window's timer. */
export type StartObservationDependencies = {
  store: ExecutionRepository & JournalRepository & HaltSwitchRepository;
} & Pick<PhaseDependencies, 'clock' | 'timer'>;

/** What the end of observation works with: the execution, its journal, the stop-condition alarms and the figures. */
export type CompleteObservationDependencies = {
  store: ExecutionRepository & JournalRepository;
} & Pick<PhaseDependencies, 'clock' | 'alarms' | 'metrics'>;

/** FaultInjected → the end of the observation window is scheduled (never waited for). */
export const startObservation = async (
  event: EventOf<typeof FaultInjected>,
  deps: StartObservationDependencies,
): Promise<BusEntry[]> => {
  const { executionId } = event.detail;
  const execution = await executionIn(deps, executionId, ['OBSERVING'], PHASE, 'FaultInjected', {
    ready: (e) => e.injectedAt !== undefined && e.observationEndsAt !== undefined,
  });
  if (!execution) return [];
  // A halt that came while this run was injecting (and that its scan of running experiments may
  // have missed) stops it here at the latest.
  const halt = await deps.store.haltState();
  if (halt) {
    const at = deps.clock.now().toISOString();
    return violation(deps, executionId, { source: 'halt', message: `halted: ${halt.reason}`, at });
  }
  await deps.timer.schedule({
    name: timerNames.observationEnd(executionId),
    at: new Date(execution.observationEndsAt!),
    entry: ObservationWindowElapsed.entry({
      executionId,
      experimentId: execution.experimentId,
      windowStart: execution.injectedAt!,
      windowEnd: execution.observationEndsAt!,
    }),
  });
  await deps.store.journal(executionId, {
    phase: PHASE,
    action: 'schedule-observation-end',
    outcome: 'ok',
    detail: { at: execution.observationEndsAt },
  });
  return [];
};

/**
 * ObservationWindowElapsed → figures of the window recorded → ObservationCompleted. The window is
 * the execution's own (an event cannot shorten it), and the stop-condition alarms are read once
 * more at its end: one in ALARM (or unreadable) stops the experiment instead of passing it on.
 */
export const completeObservation = async (
  event: EventOf<typeof ObservationWindowElapsed>,
  deps: CompleteObservationDependencies,
): Promise<BusEntry[]> => {
  const { executionId } = event.detail;
  const found = await executionIn(deps, executionId, ['OBSERVING'], PHASE, 'ObservationWindowElapsed', {
    ready: (e) => e.template !== undefined && e.injectedAt !== undefined && e.observationEndsAt !== undefined,
  });
  const now = deps.clock.now();
  if (!found) return [];
  const execution = found as typeof found &
    Required<Pick<typeof found, 'template' | 'injectedAt' | 'observationEndsAt'>>;
  // The window is the execution's own: an event more than a second early is refused; one a little
  // early (clocks differ by milliseconds) waits for the window's end, so that no fault is reverted
  // before the window it is observed in has ended.
  const early = Date.parse(execution.observationEndsAt) - now.getTime();
  if (early > 1000) {
    await deps.store.journal(executionId, {
      phase: PHASE,
      action: 'ObservationWindowElapsed',
      outcome: 'stale',
      detail: { early: true, windowEnd: execution.observationEndsAt },
    });
    return [];
  }
  if (early > 0) await pause(deps.clock, early);
  // Unknown means stop: an alarm that cannot be read, or no longer exists, ends the run now,
  // INCONCLUSIVE; only an alarm really in ALARM is a safety violation.
  const stopAlarms = execution.template.stopConditions.map((s) => s.alarm);
  let unknown: string | undefined;
  if (stopAlarms.length) {
    try {
      const state = await deps.alarms.inAlarm(stopAlarms);
      if (state.inAlarm.length) {
        const message = `stop-condition alarm ${state.inAlarm.join(', ')} in ALARM at the end of observation`;
        return violation(deps, executionId, { source: 'alarm', message, at: now.toISOString() });
      }
      if (state.missing.length) unknown = `stop-condition alarm ${state.missing.join(', ')} no longer exists`;
    } catch (error) {
      unknown = `stop-condition alarms could not be read at the end of observation: ${(error as Error).message}`;
    }
  }
  let metrics = {};
  try {
    metrics = await deps.metrics.measure(execution.template, {
      from: new Date(execution.injectedAt),
      to: new Date(execution.observationEndsAt),
    });
  } catch (error) {
    // A missing measurement makes the verdict INCONCLUSIVE later; it must not keep the fault active.
    await deps.store.journal(executionId, {
      phase: PHASE,
      action: 'measure',
      outcome: 'failed',
      error: (error as Error).message,
    });
  }
  const reverting = await deps.store.transition(executionId, {
    from: ['OBSERVING'],
    to: 'REVERTING',
    set: { observation: metrics, ...(unknown ? { failure: unknown } : {}) },
  });
  if (!reverting) return [];
  await deps.store.journal(executionId, {
    phase: PHASE,
    action: 'ObservationWindowElapsed',
    outcome: 'ok',
    detail: { metrics },
  });
  return [ObservationCompleted.entry({ executionId, experimentId: execution.experimentId, metrics })];
};
