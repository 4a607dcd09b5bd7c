import type { BusEntry } from '../../shared/ports';
import { quickTemplate } from '../support/templates';
import { startTestRuntime, type TestRuntime } from '../support/runtime';
import { TestClock, waitFor } from '../support/wait';

// Each test waits for what it expects (bounded by waitFor and waitForFinal); jest's 5 s default
// would instead fail a correct run on a loaded machine.
jest.setTimeout(60_000);

/** How long an execution may sit in one status; the tests move their clock past it rather than sleep. */
const STUCK_MS = 60_000;

/** Loses the first published event of a detail-type for good, as exhausted retries would. */
const loseOnce = (t: TestRuntime, detailType: string) => {
  const publish = t.runtime.bus.publish.bind(t.runtime.bus);
  let lost = false;
  t.runtime.bus.publish = async (entries: readonly BusEntry[]) => {
    const kept = entries.filter((e) => {
      if (lost || e.detailType !== detailType) return true;
      lost = true;
      return false;
    });
    await publish(kept);
  };
};

describe('the sweeper moves on executions that lost an event', () => {
  let t: TestRuntime;
  afterEach(async () => t.runtime.stop());

  it('an execution stuck injecting is stopped, leaving no lease and no fault', async () => {
    const clock = new TestClock();
    t = await startTestRuntime({ clock, settings: { stuckAfterMs: STUCK_MS, stuckWithFaultAfterMs: STUCK_MS } });
    loseOnce(t, 'ExperimentStarted');
    const executionId = await t.runtime.requestExperiment(quickTemplate());
    await waitFor(async () => (await t.runtime.store.getExecution(executionId))?.status === 'INJECTING');
    await t.runtime.bus.idle();
    clock.advance(STUCK_MS + 1);

    t.runtime.deliverAwsEvent(t.runtime.scheduledEvent('sweeper-schedule'));
    const final = await t.runtime.waitForFinal(executionId);

    expect(final).toMatchObject({
      status: 'ABORTED',
      verdict: 'FAILED',
      safety: { violated: true, source: 'deadline' },
    });
    expect(t.faults.injections).toHaveLength(0);
    expect(await t.runtime.store.leaseHolder(final.targets![0]!.key)).toBeUndefined();
    expect((await t.runtime.store.readJournal(executionId)).some((j) => j.phase === 'sweep')).toBe(true);
  });

  it('an execution stuck validating is judged', async () => {
    const clock = new TestClock();
    t = await startTestRuntime({ clock, settings: { stuckAfterMs: STUCK_MS } });
    loseOnce(t, 'RecoveryConfirmed');
    const executionId = await t.runtime.requestExperiment(quickTemplate());
    await waitFor(async () => (await t.runtime.store.getExecution(executionId))?.status === 'VALIDATING');
    await t.runtime.bus.idle();
    clock.advance(STUCK_MS + 1);

    t.runtime.deliverAwsEvent(t.runtime.scheduledEvent('sweeper-schedule'));
    expect(await t.runtime.waitForFinal(executionId)).toMatchObject({ status: 'COMPLETED', verdict: 'PASSED' });
  });

  it('gives up an execution that stays stuck: FAILED when no fault is active', async () => {
    const clock = new TestClock();
    t = await startTestRuntime({
      clock,
      settings: { stuckAfterMs: STUCK_MS, stuckWithFaultAfterMs: STUCK_MS, maxSweeps: 1 },
    });
    loseOnce(t, 'ExperimentStarted');
    const publish = t.runtime.bus.publish.bind(t.runtime.bus);
    t.runtime.bus.publish = async (entries: readonly BusEntry[]) =>
      publish(entries.filter((e) => e.detailType !== 'SafetyViolated'));
    const executionId = await t.runtime.requestExperiment(quickTemplate());
    await waitFor(async () => (await t.runtime.store.getExecution(executionId))?.status === 'INJECTING');
    await t.runtime.bus.idle();
    clock.advance(STUCK_MS + 1);
    t.runtime.deliverAwsEvent(t.runtime.scheduledEvent('sweeper-schedule'));
    await waitFor(async () => (await t.runtime.store.getExecution(executionId))?.sweeps === 1);
    await t.runtime.bus.idle();
    clock.advance(STUCK_MS + 1);
    t.runtime.deliverAwsEvent(t.runtime.scheduledEvent('sweeper-schedule'));
    const final = await t.runtime.waitForFinal(executionId);
    expect(final).toMatchObject({ status: 'FAILED', verdict: 'INCONCLUSIVE' });
    expect(final.reasons?.[0]).toMatch(/stuck in INJECTING after 1 nudges/);
    expect(await t.runtime.store.leaseHolder(final.targets![0]!.key)).toBeUndefined();
  });

  it('leaves executions that are on time alone', async () => {
    t = await startTestRuntime();
    t.health.steadyNow = false;
    const executionId = await t.runtime.requestExperiment(
      quickTemplate({ recovery: { timeout: 'PT30S', checkEvery: 'PT1S' } }),
    );
    await waitFor(async () => (await t.runtime.store.getExecution(executionId))?.status === 'RECOVERING');
    const before = await t.runtime.store.getExecution(executionId);
    t.runtime.deliverAwsEvent(t.runtime.scheduledEvent('sweeper-schedule'));
    await t.runtime.bus.idle();
    expect((await t.runtime.store.readJournal(executionId)).some((j) => j.phase === 'sweep')).toBe(false);
    expect((await t.runtime.store.getExecution(executionId))?.status).toBe(before?.status);
    t.health.steadyNow = true;
    await t.runtime.waitForFinal(executionId);
  });

  it('a scheduled event for another rule does not reach the sweeper', async () => {
    t = await startTestRuntime({ settings: { stuckAfterMs: 0 } });
    const seen: string[] = [];
    t.runtime.bus.subscribe((e) => seen.push(e['detail-type']));
    t.runtime.deliverAwsEvent(t.runtime.scheduledEvent('someone-elses-rule'));
    await t.runtime.bus.idle();
    expect(t.runtime.bus.deliveredCount).toBe(0);
    expect(seen).toEqual(['Scheduled Event']);
  });
});
