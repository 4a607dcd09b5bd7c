import { CloudWatchAlarmStateChange } from '../../../events';
import { guard } from '../../../shared/phases/guard';
import {
  ALARM,
  detailTypes,
  eventFrom,
  journalLines,
  phaseDeps,
  seedExecution,
  stored,
  type PhaseHarness,
} from './support';

const ALARM_TIME = '2026-11-30T10:00:05.000Z';

const stateChange = (value: 'ALARM' | 'OK' | 'INSUFFICIENT_DATA', alarmName = ALARM) =>
  eventFrom(
    CloudWatchAlarmStateChange,
    {
      alarmName,
      state: { value, reason: 'Threshold Crossed: 1 datapoint [7.0] > 5.0', timestamp: '2026-11-30T10:00:05.000+0000' },
      previousState: { value: 'OK', reason: 'Threshold Crossed', timestamp: '2026-11-30T09:00:00.000+0000' },
    },
    { time: ALARM_TIME },
  );

/** Three runs watching the alarm (observing, injecting, completed) and one that named another alarm. */
const fleet = async (deps: PhaseHarness) => {
  await seedExecution(deps, 'OBSERVING', { executionId: 'a' });
  await seedExecution(deps, 'INJECTING', { executionId: 'b' });
  await seedExecution(deps, 'COMPLETED', { executionId: 'done' });
  await seedExecution(deps, 'OBSERVING', { executionId: 'elsewhere' });
  for (const id of ['a', 'b', 'done']) await deps.store.watchAlarms(id, [ALARM]);
  await deps.store.watchAlarms('elsewhere', ['other-alarm']);
};

describe('guard', () => {
  it('writes the violation on each running execution watching the alarm, then announces it', async () => {
    const deps = phaseDeps();
    await fleet(deps);
    const out = await guard(stateChange('ALARM'), deps);

    const message = `stop-condition alarm ${ALARM} is in ALARM: Threshold Crossed: 1 datapoint [7.0] > 5.0`;
    expect(detailTypes(out)).toEqual(['SafetyViolated', 'SafetyViolated']);
    expect(out.map((e) => e.detail)).toEqual([
      expect.objectContaining({ executionId: 'a', reason: 'alarm', alarmName: ALARM, message, at: ALARM_TIME }),
      expect.objectContaining({ executionId: 'b', reason: 'alarm', alarmName: ALARM, message, at: ALARM_TIME }),
    ]);
    for (const [id, status] of [
      ['a', 'OBSERVING'],
      ['b', 'INJECTING'],
    ] as const) {
      expect(await stored(deps, id)).toMatchObject({
        status,
        safety: { violated: true, reason: message, source: 'alarm', at: ALARM_TIME },
      });
      expect(await journalLines(deps, id)).toEqual(['guard alarm: ok']);
    }
    expect((await stored(deps, 'elsewhere')).safety.violated).toBe(false);
  });

  it('skips a final execution', async () => {
    const deps = phaseDeps();
    await fleet(deps);
    const before = await stored(deps, 'done');
    const out = await guard(stateChange('ALARM'), deps);

    expect(out.map((e) => e.detail.executionId)).not.toContain('done');
    expect(await stored(deps, 'done')).toEqual(before);
    expect(await journalLines(deps, 'done')).toEqual([]);
  });

  it('keeps the first violation of a run already stopped, and announces again', async () => {
    const deps = phaseDeps();
    const first = { violated: true, reason: 'halted: incident', source: 'halt', at: '2026-11-30T09:59:00.000Z' };
    await seedExecution(deps, 'OBSERVING', { executionId: 'a', set: { safety: first } });
    await deps.store.watchAlarms('a', [ALARM]);
    const out = await guard(stateChange('ALARM'), deps);

    expect(detailTypes(out)).toEqual(['SafetyViolated']);
    expect((await stored(deps, 'a')).safety).toEqual(first);
  });

  it.each(['OK', 'INSUFFICIENT_DATA'] as const)('changes nothing on %s', async (value) => {
    const deps = phaseDeps();
    await fleet(deps);
    const before = await Promise.all(['a', 'b'].map((id) => stored(deps, id)));
    expect(await guard(stateChange(value), deps)).toEqual([]);
    expect(await Promise.all(['a', 'b'].map((id) => stored(deps, id)))).toEqual(before);
  });
});
