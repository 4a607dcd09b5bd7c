import { SafetyViolated, type CloudWatchAlarmStateChange, type EventOf } from '../../events';
import type { BusEntry } from '../ports';
import type { PhaseDependencies } from './dependencies';
import { recordViolation } from './finish';

/**
 * A stop-condition alarm in ALARM → SafetyViolated for every running execution that named it.
 * Other state changes (OK, INSUFFICIENT_DATA) change nothing.
 */
export const guard = async (
  event: EventOf<typeof CloudWatchAlarmStateChange>,
  deps: PhaseDependencies,
): Promise<BusEntry[]> => {
  const { alarmName, state } = event.detail;
  if (state.value !== 'ALARM') return [];
  const entries: BusEntry[] = [];
  const message = `stop-condition alarm ${alarmName} is in ALARM: ${state.reason}`.slice(0, 2048);
  for (const executionId of await deps.store.executionsWatchingAlarm(alarmName)) {
    // The violation is written on the execution first: a SafetyViolated that arrives late (or
    // never) can no longer let the run pass.
    const execution = await recordViolation(deps, executionId, {
      violated: true,
      reason: message,
      source: 'alarm',
      at: event.time,
    });
    if (!execution) continue;
    await deps.store.journal(executionId, {
      phase: 'guard',
      action: 'alarm',
      outcome: 'ok',
      detail: { alarmName, reason: state.reason },
    });
    entries.push(
      SafetyViolated.entry({
        executionId,
        experimentId: execution.experimentId,
        reason: 'alarm',
        alarmName,
        message,
        at: event.time,
      }),
    );
  }
  return entries;
};
