import { CloudWatchAlarmStateChange } from '../../events';
import type { BusEvent } from '../../shared/ports';
import { quickTemplate } from '../support/templates';
import { startTestRuntime, type TestRuntime } from '../support/runtime';
import { waitFor } from '../support/wait';

const alarmEvent = (alarmName: string, value: 'ALARM' | 'OK' = 'ALARM'): BusEvent => ({
  version: '0',
  id: `alarm-${Math.random().toString(16).slice(2)}`,
  'detail-type': CloudWatchAlarmStateChange.detailType,
  source: CloudWatchAlarmStateChange.source,
  account: '000000000000',
  time: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
  region: 'us-east-1',
  resources: [`arn:aws:cloudwatch:us-east-1:000000000000:alarm:${alarmName}`],
  detail: {
    alarmName,
    state: { value, reason: 'Threshold Crossed', timestamp: new Date().toISOString() },
    previousState: {
      value: value === 'ALARM' ? 'OK' : 'ALARM',
      reason: 'Threshold Crossed',
      timestamp: new Date().toISOString(),
    },
  },
});

describe('one experiment through the real handlers, bus and store', () => {
  let t: TestRuntime;
  beforeEach(async () => {
    t = await startTestRuntime();
  });
  afterEach(async () => {
    await t.runtime.stop();
  });

  it('runs from ExperimentRequested to ExperimentCompleted with verdict PASSED', async () => {
    const seen: string[] = [];
    t.runtime.bus.subscribe((e) => seen.push(e['detail-type']));

    const executionId = await t.runtime.requestExperiment(quickTemplate());
    const final = await t.runtime.waitForFinal(executionId);

    expect(final).toMatchObject({ status: 'COMPLETED', verdict: 'PASSED', safety: { violated: false } });
    expect(final.criteria?.map((c) => c.passed)).toEqual([true, true, true]);
    expect(seen).toEqual([
      'ExperimentRequested',
      'ExperimentStarted',
      'FaultInjected',
      'ObservationWindowElapsed',
      'ObservationCompleted',
      'FaultReverted',
      'RecoveryConfirmed',
      'ExperimentCompleted',
    ]);
    const journal = await t.runtime.store.readJournal(executionId);
    expect(journal.map((j) => `${j.phase}:${j.action}`)).toEqual(
      expect.arrayContaining([
        'prepare:preflight',
        'inject:arm-revert-deadline',
        'inject:inject slow',
        'revert:revert slow',
        'validate:verdict',
      ]),
    );
    const faults = await t.runtime.store.listFaults(executionId);
    expect(faults).toHaveLength(1);
    expect(faults[0]).toMatchObject({ state: 'REVERTED', faultType: 'network-latency' });
    expect(t.faults.active.size).toBe(0);
    expect(await t.runtime.store.leaseHolder(faults[0]!.target.key)).toBeUndefined();
  });

  it('ends ABORTED with verdict FAILED when a stop-condition alarm fires during observation, every fault reverted', async () => {
    const template = quickTemplate({
      observation: { window: 'PT20S' },
      actions: { slow: { fault: 'network-latency', target: 'web', duration: 'PT30S' } },
    });
    const seen: string[] = [];
    t.runtime.bus.subscribe((e) => seen.push(e['detail-type']));
    const executionId = await t.runtime.requestExperiment(template);
    await waitFor(async () => (await t.runtime.store.getExecution(executionId))?.status === 'OBSERVING');
    expect(t.faults.active.size).toBe(1);

    t.runtime.deliverAwsEvent(alarmEvent('local-p95-latency'));
    const final = await t.runtime.waitForFinal(executionId, 10_000);

    expect(final).toMatchObject({ status: 'ABORTED', verdict: 'FAILED', safety: { violated: true, source: 'alarm' } });
    expect(t.faults.active.size).toBe(0);
    expect((await t.runtime.store.listFaults(executionId)).every((f) => f.state === 'REVERTED')).toBe(true);
    expect(seen).toContain('SafetyViolated');
    expect(seen).not.toContain('ObservationCompleted');
    expect(t.runtime.timer.scheduled).toEqual([]);
  });

  it('rejects an execution whose stop-condition alarm is already in ALARM, injecting nothing', async () => {
    t.alarms.firing.add('local-p95-latency');
    const executionId = await t.runtime.requestExperiment(quickTemplate());
    const final = await t.runtime.waitForFinal(executionId);
    expect(final).toMatchObject({ status: 'REJECTED', verdict: 'INCONCLUSIVE' });
    expect(final.reasons).toContain('stop-condition alarm local-p95-latency is already in ALARM');
    expect(t.faults.injections).toHaveLength(0);
  });

  it('a dry run resolves targets and runs the preflight, injects nothing, and is INCONCLUSIVE', async () => {
    const executionId = await t.runtime.requestExperiment(quickTemplate(), { dryRun: true });
    const final = await t.runtime.waitForFinal(executionId);
    expect(final).toMatchObject({ status: 'COMPLETED', verdict: 'INCONCLUSIVE', dryRun: true });
    expect(final.targets).toHaveLength(1);
    expect(t.faults.injections).toHaveLength(0);
  });
});
