import { FaultInjected, ObservationWindowElapsed } from '../../../events';
import { completeObservation, startObservation } from '../../../shared/phases/observe';
import { faultSummaries } from '../../../shared/phases/result';
import {
  ALARM,
  EXECUTION_ID,
  GOOD_FIGURES,
  detailTypes,
  eventFrom,
  journalLines,
  phaseDeps,
  seedExecution,
  seedFault,
  stored,
  type PhaseHarness,
} from './support';

const observing = async () => {
  const deps = phaseDeps();
  const execution = await seedExecution(deps, 'OBSERVING');
  const fault = await seedFault(deps, execution, 'INJECTED');
  return { deps, execution, fault };
};

const faultInjected = async (deps: PhaseHarness) => {
  const execution = await stored(deps);
  return eventFrom(FaultInjected, {
    executionId: EXECUTION_ID,
    experimentId: execution.experimentId,
    faults: faultSummaries(await deps.store.listFaults(EXECUTION_ID)),
    revertDeadline: execution.revertDeadline!,
    observationEndsAt: execution.observationEndsAt!,
  });
};

const windowElapsed = async (deps: PhaseHarness) => {
  const execution = await stored(deps);
  return eventFrom(ObservationWindowElapsed, {
    executionId: EXECUTION_ID,
    experimentId: execution.experimentId,
    windowStart: execution.injectedAt!,
    windowEnd: execution.observationEndsAt!,
  });
};

describe('observe: startObservation', () => {
  it('schedules the end of the window and waits for nothing', async () => {
    const { deps, execution } = await observing();
    const out = await startObservation(await faultInjected(deps), deps);

    expect(out).toEqual([]);
    expect(deps.timer.scheduled).toEqual([
      {
        name: `observe-${EXECUTION_ID}`,
        at: new Date(execution.observationEndsAt!),
        entry: expect.objectContaining({
          detailType: 'ObservationWindowElapsed',
          detail: expect.objectContaining({
            windowStart: execution.injectedAt,
            windowEnd: execution.observationEndsAt,
          }),
        }),
      },
    ]);
    expect(deps.clock.sleeps).toEqual([]);
    expect(await journalLines(deps)).toEqual(['observe schedule-observation-end: ok']);
  });

  it('writes a violation and announces it when halted, scheduling nothing', async () => {
    const { deps } = await observing();
    await deps.store.halt('incident 4711', 'alice');
    const out = await startObservation(await faultInjected(deps), deps);

    expect(detailTypes(out)).toEqual(['SafetyViolated']);
    expect(out[0]!.detail).toMatchObject({ reason: 'halt', message: 'halted: incident 4711' });
    expect(await stored(deps)).toMatchObject({ status: 'OBSERVING', safety: { violated: true, source: 'halt' } });
    expect(deps.timer.scheduled).toEqual([]);
  });

  it('is stale once the run has moved on', async () => {
    const { deps } = await observing();
    const event = await faultInjected(deps);
    await deps.store.transition(EXECUTION_ID, { from: ['OBSERVING'], to: 'REVERTING' });
    expect(await startObservation(event, deps)).toEqual([]);
    expect(deps.timer.scheduled).toEqual([]);
    expect(await journalLines(deps)).toEqual(['observe FaultInjected: stale']);
  });
});

describe('observe: completeObservation', () => {
  it('records the figures of the window and moves to REVERTING with ObservationCompleted', async () => {
    const { deps, execution } = await observing();
    const measure = jest.spyOn(deps.metrics, 'measure');
    deps.clock.advance(20_000);
    const out = await completeObservation(await windowElapsed(deps), deps);

    expect(detailTypes(out)).toEqual(['ObservationCompleted']);
    expect(out[0]!.detail).toMatchObject({ metrics: GOOD_FIGURES });
    expect(measure).toHaveBeenCalledWith(execution.template, {
      from: new Date(execution.injectedAt!),
      to: new Date(execution.observationEndsAt!),
    });
    const after = await stored(deps);
    expect(after).toMatchObject({ status: 'REVERTING', observation: GOOD_FIGURES });
    expect(after.failure).toBeUndefined();
    expect(await journalLines(deps)).toEqual(['observe ObservationWindowElapsed: ok']);
  });

  it('refuses an event more than a second early', async () => {
    const { deps } = await observing();
    deps.clock.advance(20_000 - 1_001);
    const out = await completeObservation(await windowElapsed(deps), deps);

    expect(out).toEqual([]);
    expect(deps.clock.sleeps).toEqual([]);
    expect((await stored(deps)).status).toBe('OBSERVING');
    const [entry] = await deps.store.readJournal(EXECUTION_ID);
    expect(entry).toMatchObject({ action: 'ObservationWindowElapsed', outcome: 'stale', detail: { early: true } });
  });

  it('waits for the end of the window when the event is a little early', async () => {
    const { deps, execution } = await observing();
    deps.clock.advance(20_000 - 400);
    const out = await completeObservation(await windowElapsed(deps), deps);

    expect(deps.clock.sleeps).toEqual([400]);
    expect(deps.clock.iso()).toBe(execution.observationEndsAt);
    expect(detailTypes(out)).toEqual(['ObservationCompleted']);
    expect((await stored(deps)).status).toBe('REVERTING');
  });

  it('writes a violation and announces it when a stop-condition alarm is in ALARM at the end', async () => {
    const { deps } = await observing();
    deps.clock.advance(20_000);
    deps.alarms.firing.add(ALARM);
    const out = await completeObservation(await windowElapsed(deps), deps);

    const message = `stop-condition alarm ${ALARM} in ALARM at the end of observation`;
    expect(detailTypes(out)).toEqual(['SafetyViolated']);
    expect(out[0]!.detail).toMatchObject({ reason: 'alarm', message });
    expect(await stored(deps)).toMatchObject({
      status: 'OBSERVING',
      safety: { violated: true, reason: message, source: 'alarm', at: deps.clock.iso() },
    });
  });

  it('records a failure when a stop-condition alarm no longer exists, and still moves on to the revert', async () => {
    const { deps } = await observing();
    deps.clock.advance(20_000);
    deps.alarms.known.clear();
    const out = await completeObservation(await windowElapsed(deps), deps);

    expect(detailTypes(out)).toEqual(['ObservationCompleted']);
    expect(await stored(deps)).toMatchObject({
      status: 'REVERTING',
      failure: `stop-condition alarm ${ALARM} no longer exists`,
      safety: { violated: false },
    });
  });

  it('moves on to the revert with no figures when measuring fails', async () => {
    const { deps } = await observing();
    deps.clock.advance(20_000);
    jest.spyOn(deps.metrics, 'measure').mockRejectedValueOnce(new Error('GetMetricData throttled'));
    const out = await completeObservation(await windowElapsed(deps), deps);

    expect(detailTypes(out)).toEqual(['ObservationCompleted']);
    expect(await stored(deps)).toMatchObject({ status: 'REVERTING', observation: {} });
    expect(await journalLines(deps)).toEqual(['observe measure: failed', 'observe ObservationWindowElapsed: ok']);
  });
});
