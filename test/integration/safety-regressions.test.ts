import { SafetyViolated } from '../../events';
import type { Execution, FaultRecord } from '../../shared/domain/execution';
import { parseTemplate } from '../../shared/domain/template';
import { InvalidTemplateError } from '../../shared/errors';
import type { BusEvent, Clock } from '../../shared/ports';
import { StaticTargets } from '../../testing/in-memory';
import { startTestRuntime, type TestRuntime } from '../support/runtime';
import { quickTemplate } from '../support/templates';
import { waitFor } from '../support/wait';

jest.setTimeout(30_000);

/** The functions of the embedded bus, by name: lets a test hold back or replay a delivery. */
const functionsOf = (t: TestRuntime) =>
  (t.runtime.bus as unknown as { functions: Map<string, (e: BusEvent) => Promise<unknown>> }).functions;

/** A clock that a test moves on by hand, on top of real time. */
const movableClock = () => {
  let offset = 0;
  const clock: Clock & { advance(ms: number): void } = {
    now: () => new Date(Date.now() + offset),
    advance: (ms) => void (offset += ms),
  };
  return clock;
};

const revertEntries = async (t: TestRuntime, executionId: string) =>
  (await t.runtime.store.readJournal(executionId)).filter((j) => j.action.startsWith('revert ') && j.outcome === 'ok');

/**
 * One regression test per defect found under hostile timing, each named after the promise it
 * keeps. Each failed on the code before its fix (see the project's history).
 */
describe('safety promises under hostile timing', () => {
  let t: TestRuntime;
  afterEach(async () => t?.runtime.stop());

  it('1. one start delivered twice under two ids injects once, and the fault stays active for the whole window', async () => {
    t = await startTestRuntime();
    const starts: BusEvent[] = [];
    t.runtime.bus.subscribe((e) => void (e['detail-type'] === 'ExperimentStarted' && starts.push(e)));
    const transition = t.runtime.store.transition.bind(t.runtime.store);
    let replayed = false;
    t.runtime.store.transition = async (id, request) => {
      if (request.to === 'OBSERVING' && !replayed) {
        // Right before the first copy moves the run on, the same start arrives under a new id.
        replayed = true;
        const copy = { ...structuredClone(starts[0]!), id: 'the-same-start-again' };
        await functionsOf(t).get('inject')!(copy).catch(() => undefined);
      }
      return transition(id, request);
    };
    const executionId = await t.runtime.requestExperiment(quickTemplate());
    const final = await t.runtime.waitForFinal(executionId);

    expect(replayed).toBe(true);
    expect(t.faults.injections).toHaveLength(1);
    expect(final).toMatchObject({ status: 'COMPLETED', verdict: 'PASSED' });
    for (const entry of await revertEntries(t, executionId)) {
      expect({ phase: entry.phase, at: entry.at >= final.observationEndsAt! }).toEqual({ phase: 'revert', at: true });
    }
  });

  it('2. a stop-condition alarm whose SafetyViolated reaches revert late still fails the run', async () => {
    t = await startTestRuntime();
    const held: BusEvent[] = [];
    const revert = functionsOf(t).get('revert')!;
    functionsOf(t).set('revert', async (event) => {
      if (event['detail-type'] === 'SafetyViolated') {
        held.push(event); // throttled, retried: it arrives after the window
        return undefined;
      }
      return revert(event);
    });
    const executionId = await t.runtime.requestExperiment(quickTemplate({ observation: { window: 'PT1S' } }));
    await waitFor(async () => (await t.runtime.store.getExecution(executionId))?.status === 'OBSERVING');
    // The alarm fires and is back to OK before the window ends.
    t.runtime.deliverAwsEvent({
      version: '0',
      id: 'alarm-1',
      'detail-type': 'CloudWatch Alarm State Change',
      source: 'aws.cloudwatch',
      account: t.runtime.bus.account,
      time: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      region: t.runtime.bus.region,
      resources: [],
      detail: {
        alarmName: 'local-p95-latency',
        state: { value: 'ALARM', reason: 'p95 over 800 ms', timestamp: new Date().toISOString() },
        previousState: { value: 'OK', reason: 'fine', timestamp: new Date().toISOString() },
      },
    });
    await waitFor(() => held.length > 0);
    const final = await t.runtime.waitForFinal(executionId);
    for (const event of held) await revert(event);

    expect(final.verdict).not.toBe('PASSED');
    expect(final).toMatchObject({ status: 'ABORTED', verdict: 'FAILED', safety: { violated: true, source: 'alarm' } });
  });

  it('3. a stop during a slow injection waits for it: the fault is undone, or the run ends ROLLBACK_FAILED holding its target', async () => {
    t = await startTestRuntime({ targets: { local: new StaticTargets(['replica-1']) } });
    let executionId = '';
    let statusWhileInFlight: string | undefined;
    t.faults.duringInject = async () => {
      await t.runtime.bus.publish([
        SafetyViolated.entry({
          executionId,
          experimentId: 'quick-latency',
          reason: 'operator',
          message: 'stop',
          at: new Date().toISOString(),
        }),
      ]);
      await waitFor(async () => (await t.runtime.store.getExecution(executionId))?.status !== 'INJECTING');
      // The provider is still polling; the run must not end meanwhile, and the late undo fails.
      // Either revert is waiting for this injection, or it has ended the run already.
      await waitFor(async () => {
        const execution = await t.runtime.store.getExecution(executionId);
        if (execution && ['ABORTED', 'FAILED', 'ROLLBACK_FAILED', 'COMPLETED'].includes(execution.status)) return true;
        return (await t.runtime.store.readJournal(executionId)).some(
          (j) => j.action === 'wait for injections in flight',
        );
      });
      statusWhileInFlight = (await t.runtime.store.getExecution(executionId))?.status;
      t.faults.failRevert.add('network-latency');
    };
    executionId = await t.runtime.requestExperiment(
      quickTemplate({ safety: { environments: ['local'], maxTargetsPercent: 100 } }),
    );
    const final = await t.runtime.waitForFinal(executionId);

    expect(final).toMatchObject({ status: 'ROLLBACK_FAILED', verdict: 'FAILED' });
    expect(statusWhileInFlight).toBe('REVERTING');
    expect(await t.runtime.store.lease('local:replica:replica-1')).toMatchObject({ executionId, pinned: true });
    const second = await t.runtime.waitForFinal(
      await t.runtime.requestExperiment(quickTemplate({ safety: { environments: ['local'], maxTargetsPercent: 100 } })),
    );
    expect(second.status).toBe('REJECTED');
    expect(t.faults.injections).toHaveLength(1);
  });

  it('4. a target whose revert failed stays leased, however long, until a person releases it', async () => {
    const clock = movableClock();
    t = await startTestRuntime({ clock, targets: { local: new StaticTargets(['replica-1']) } });
    t.faults.failRevert.add('network-latency');
    const template = quickTemplate({ safety: { environments: ['local'], maxTargetsPercent: 100 } });
    const first = await t.runtime.waitForFinal(await t.runtime.requestExperiment(template));
    expect(first.status).toBe('ROLLBACK_FAILED');

    clock.advance(30 * 24 * 3_600_000);
    const second = await t.runtime.waitForFinal(await t.runtime.requestExperiment(template));
    expect(second).toMatchObject({ status: 'REJECTED' });
    expect(second.reasons?.join(' ')).toMatch(/in (another|other) running experiment/);

    expect(await t.runtime.store.releaseLeaseByHand('local:replica:replica-1')).toMatchObject({
      executionId: first.executionId,
      pinned: true,
    });
    t.faults.failRevert.clear();
    const third = await t.runtime.waitForFinal(await t.runtime.requestExperiment(template));
    expect(third).toMatchObject({ status: 'COMPLETED', verdict: 'PASSED' });
  });

  it('5. one failed revert call is retried before anyone is called', async () => {
    t = await startTestRuntime();
    const revert = t.faults.revert.bind(t.faults);
    let calls = 0;
    t.faults.revert = async (fault: FaultRecord) => {
      if (++calls === 1) throw new Error('RequestLimitExceeded');
      return revert(fault);
    };
    const final = await t.runtime.waitForFinal(await t.runtime.requestExperiment(quickTemplate()));
    expect(calls).toBe(2);
    expect(final).toMatchObject({ status: 'COMPLETED', verdict: 'PASSED' });
    expect(t.faults.active.size).toBe(0);
  });

  it('6. one execution the table refuses to change does not stop the sweeper from stopping the others; oversized templates are refused', async () => {
    const clock = movableClock();
    t = await startTestRuntime({
      clock,
      targets: { local: new StaticTargets(['replica-1', 'replica-2', 'replica-3', 'replica-4']) },
      settings: { deadlineGraceMs: 1000 },
    });
    // Two runs stuck observing: their timers are lost (the runtime stops firing them).
    t.runtime.timer.stop();
    t.runtime.timer.schedule = async () => undefined;
    const template = quickTemplate({ safety: { environments: ['local'], maxTargetsPercent: 50 } });
    const bad = await t.runtime.requestExperiment(template);
    await waitFor(async () => (await t.runtime.store.getExecution(bad))?.status === 'OBSERVING');
    const good = await t.runtime.requestExperiment(template);
    await waitFor(async () => (await t.runtime.store.getExecution(good))?.status === 'OBSERVING');
    const transition = t.runtime.store.transition.bind(t.runtime.store);
    t.runtime.store.transition = async (id, request) => {
      if (id === bad)
        throw Object.assign(new Error('Item size has exceeded the maximum allowed size'), {
          name: 'ValidationException',
        });
      return transition(id, request);
    };
    clock.advance(10 * 60_000);
    t.runtime.deliverAwsEvent(t.runtime.scheduledEvent('sweeper-schedule'));
    const stopped: Execution = await t.runtime.waitForFinal(good);
    expect(stopped).toMatchObject({ status: 'ABORTED', safety: { source: 'deadline' } });
    expect([...t.faults.active.values()].map((f) => f.executionId)).toEqual([bad]);
    expect((await t.runtime.store.readJournal(bad)).some((j) => j.phase === 'sweep' && j.outcome === 'failed')).toBe(
      true,
    );
    // And no template can make an execution item that large any more.
    expect(() => parseTemplate(quickTemplate({ description: 'x'.repeat(400_000) }))).toThrow(InvalidTemplateError);
  });

  it('7. a request whose prepare failed halfway is resumed by its retry, never lost', async () => {
    t = await startTestRuntime();
    const acquire = t.runtime.store.acquireLease.bind(t.runtime.store);
    let throttled = false;
    t.runtime.store.acquireLease = async (...args: Parameters<typeof acquire>) => {
      if (!throttled) {
        throttled = true;
        throw Object.assign(new Error('Rate of requests exceeds the allowed throughput'), {
          name: 'ThrottlingException',
        });
      }
      return acquire(...args);
    };
    const executionId = await t.runtime.requestExperiment(quickTemplate());
    const final = await t.runtime.waitForFinal(executionId, 15_000);
    expect(throttled).toBe(true);
    expect(final).toMatchObject({ status: 'COMPLETED', verdict: 'PASSED' });
    expect(await t.runtime.store.leaseHolder(final.targets![0]!.key)).toBeUndefined();
    // Inputs that used to validate and then crash prepare are refused by the template's rules.
    expect(() =>
      parseTemplate(
        quickTemplate({ actions: { slow: { fault: 'network-latency', target: 'web', duration: 'P100000000D' } } }),
      ),
    ).toThrow(/P1D/);
    expect(() => parseTemplate(quickTemplate({ safety: { environments: ['local'], maxTargets: 100_000 } }))).toThrow(
      InvalidTemplateError,
    );
  });

  it('8. where timers may fire late, a fault too short to keep its window before its deadline is refused before anything starts', async () => {
    t = await startTestRuntime();
    // As on AWS: EventBridge Scheduler fires within the minute after a schedule's time.
    Object.defineProperty(t.runtime.timer, 'latenessMs', { value: 125_000 });
    const final = await t.runtime.waitForFinal(await t.runtime.requestExperiment(quickTemplate()));
    expect(final.status).toBe('REJECTED');
    expect(final.reasons?.join(' ')).toMatch(/must exceed observation\.window by at least 125s here/);
    expect(t.faults.injections).toHaveLength(0);
  });
});
