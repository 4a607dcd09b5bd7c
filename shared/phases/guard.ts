import { SafetyViolated, type CloudWatchAlarmStateChange, type EventOf } from '../../events';
import { isFinal } from '../domain/execution';
import type { BusEntry } from '../ports';
import type { PhaseDependencies } from './dependencies';

/**
 * A stop-condition alarm in ALARM → SafetyViolated for every running execution that named it.
 * Other state changes (OK, INSUFFICIENT_DATA) change nothing.
 */
export const guard = async (event: EventOf<typeof CloudWatchAlarmStateChange>, deps: PhaseDependencies): Promise<BusEntry[]> => {
  const { alarmName, state } = event.detail;
  if (state.value !== 'ALARM') return [];
  const entries: BusEntry[] = [];
  for (const executionId of await deps.store.executionsWatchingAlarm(alarmName)) {
    const execution = await deps.store.getExecution(executionId);
    if (!execution || isFinal(execution.status)) continue;
    await deps.store.journal(executionId, { phase: 'guard', action: 'alarm', outcome: 'ok', detail: { alarmName, reason: state.reason } });
    entries.push(
      SafetyViolated.entry({
        executionId,
        experimentId: execution.experimentId,
        reason: 'alarm',
        alarmName,
        message: `stop-condition alarm ${alarmName} is in ALARM: ${state.reason}`.slice(0, 2048),
        at: event.time,
      }),
    );
  }
  return entries;
};
