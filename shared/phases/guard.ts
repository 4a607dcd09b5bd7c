import type { CloudWatchAlarmStateChange, EventOf } from '../../events';
import type { BusEntry } from '../ports';
import type { AlarmWatchRepository, ExecutionRepository, JournalRepository } from '../store/execution-store';
import { violation } from './finish';

/** What guard works with: who watches the alarm, and the executions it marks and journals. Nothing else. */
export type GuardDependencies = { store: AlarmWatchRepository & ExecutionRepository & JournalRepository };

/**
 * A stop-condition alarm in ALARM → SafetyViolated for every running execution that named it.
 * Other state changes (OK, INSUFFICIENT_DATA) change nothing.
 */
export const guard = async (
  event: EventOf<typeof CloudWatchAlarmStateChange>,
  deps: GuardDependencies,
): Promise<BusEntry[]> => {
  const { alarmName, state } = event.detail;
  if (state.value !== 'ALARM') return [];
  const entries: BusEntry[] = [];
  const message = `stop-condition alarm ${alarmName} is in ALARM: ${state.reason}`.slice(0, 2048);
  for (const executionId of await deps.store.executionsWatchingAlarm(alarmName)) {
    // The violation is written on the execution first: a SafetyViolated that arrives late (or
    // never) can no longer let the run pass.
    const announced = await violation(deps, executionId, { source: 'alarm', message, at: event.time, alarmName });
    if (!announced.length) continue;
    await deps.store.journal(executionId, {
      phase: 'guard',
      action: 'alarm',
      outcome: 'ok',
      detail: { alarmName, reason: state.reason },
    });
    entries.push(...announced);
  }
  return entries;
};
