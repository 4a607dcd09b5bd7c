import { ExperimentStarted } from '../../../events';
import { inject, InjectionInProgressError } from '../../../shared/phases/inject';
import {
  EXECUTION_ID,
  detailTypes,
  eventFrom,
  journalLines,
  phaseDeps,
  replica,
  seedExecution,
  seedFault,
  stored,
  type PhaseHarness,
} from './support';

const started = (deps: PhaseHarness, id = 'event-start') =>
  eventFrom(
    ExperimentStarted,
    {
      executionId: EXECUTION_ID,
      experimentId: 'unit-latency',
      targets: [replica('replica-1')],
      injectBy: deps.clock.iso(deps.settings.injectWithinMs),
    },
    { id },
  );

const setUp = async (set = {}) => {
  const deps = phaseDeps();
  await seedExecution(deps, 'INJECTING', { set });
  return deps;
};

describe('inject', () => {
  it('arms the revert deadline before the provider injects', async () => {
    const deps = await setUp();
    const armedWhenInjecting: string[][] = [];
    deps.faults.duringInject = async () => {
      armedWhenInjecting.push(deps.timer.names);
    };
    await inject(started(deps), deps);

    expect(armedWhenInjecting).toEqual([[`revert-${EXECUTION_ID}`]]);
    const [deadline] = deps.timer.scheduled;
    expect(deadline!.at.toISOString()).toBe(deps.clock.iso(60_000));
    expect(deadline!.entry).toMatchObject({ detailType: 'SafetyViolated', detail: { reason: 'deadline' } });
  });

  it('records the fault, injects it, and moves to OBSERVING with FaultInjected', async () => {
    const deps = await setUp();
    const out = await inject(started(deps), deps);

    expect(detailTypes(out)).toEqual(['FaultInjected']);
    expect(out[0]!.detail).toMatchObject({
      revertDeadline: deps.clock.iso(60_000),
      observationEndsAt: deps.clock.iso(20_000),
      faults: [{ action: 'slow', targetKey: 'local:replica:replica-1', state: 'INJECTED' }],
    });
    expect(await deps.store.listFaults(EXECUTION_ID)).toEqual([
      expect.objectContaining({ state: 'INJECTED', owner: 'event-start', handle: { id: 'slow@replica-1' } }),
    ]);
    expect(await stored(deps)).toMatchObject({
      status: 'OBSERVING',
      injectedAt: deps.clock.iso(),
      revertDeadline: deps.clock.iso(60_000),
      observationEndsAt: deps.clock.iso(20_000),
    });
    const expiresAt = new Date(deps.clock.iso(60_000));
    expect(deps.faults.injections).toEqual([expect.objectContaining({ action: 'slow', expiresAt })]);
    expect(await journalLines(deps)).toEqual(['inject arm-revert-deadline: ok', 'inject inject slow: ok']);
  });

  it('shortens the window when injecting took long, so that it ends before the revert deadline', async () => {
    const deps = await setUp();
    deps.faults.duringInject = async () => deps.clock.advance(50_000);
    const start = deps.clock.iso();
    const out = await inject(started(deps), deps);

    const deadline = Date.parse(start) + 60_000;
    expect(out[0]!.detail).toMatchObject({ observationEndsAt: new Date(deadline - 5_000).toISOString() });
    expect(await journalLines(deps)).toContain('inject shorten-observation: ok');
  });

  it('injects nothing from a start past its injectBy, and reports InjectionFailed', async () => {
    const deps = await setUp();
    const event = started(deps);
    deps.clock.advance(deps.settings.injectWithinMs + 1);
    const out = await inject(event, deps);

    expect(detailTypes(out)).toEqual(['InjectionFailed']);
    expect(out[0]!.detail.error).toMatch(/after its injection deadline/);
    expect(deps.faults.injections).toEqual([]);
    expect(deps.timer.scheduled).toEqual([]);
    expect(await deps.store.listFaults(EXECUTION_ID)).toEqual([]);
    expect((await stored(deps)).status).toBe('INJECTING');
    expect(await journalLines(deps)).toEqual(['inject ExperimentStarted: stale']);
  });

  it('writes a violation when halted and announces it, injecting nothing', async () => {
    const deps = await setUp();
    await deps.store.halt('incident 4711', 'alice');
    const out = await inject(started(deps), deps);

    expect(detailTypes(out)).toEqual(['SafetyViolated']);
    expect(out[0]!.detail).toMatchObject({ reason: 'halt', message: 'halted: incident 4711' });
    const execution = await stored(deps);
    expect(execution.status).toBe('INJECTING');
    expect(execution.safety).toEqual({
      violated: true,
      reason: 'halted: incident 4711',
      source: 'halt',
      at: deps.clock.iso(),
    });
    expect(deps.faults.injections).toEqual([]);
    expect(deps.timer.scheduled).toEqual([]);
  });

  it('does nothing when a violation was written already', async () => {
    const deps = await setUp({ safety: { violated: true, reason: 'alarm x', source: 'alarm' } });
    const out = await inject(started(deps), deps);

    expect(out).toEqual([]);
    expect(deps.faults.injections).toEqual([]);
    expect(deps.timer.scheduled).toEqual([]);
    expect(await journalLines(deps)).toEqual(['inject ExperimentStarted: skipped']);
  });

  it('marks the record FAILED and reports InjectionFailed when the provider fails', async () => {
    const deps = await setUp();
    deps.faults.failInject.add('network-latency');
    const out = await inject(started(deps), deps);

    expect(detailTypes(out)).toEqual(['InjectionFailed']);
    expect(out[0]!.detail).toMatchObject({
      action: 'slow',
      targetKey: 'local:replica:replica-1',
      error: 'network-latency did not take effect on replica-1',
    });
    expect(await deps.store.listFaults(EXECUTION_ID)).toEqual([
      expect.objectContaining({ state: 'FAILED', error: 'network-latency did not take effect on replica-1' }),
    ]);
    expect((await stored(deps)).status).toBe('INJECTING');
    expect(await journalLines(deps)).toEqual(['inject arm-revert-deadline: ok', 'inject inject slow: failed']);
  });

  it('injects nothing when the run is stopped between the record and the injection', async () => {
    const deps = await setUp();
    const record = deps.store.recordFault.bind(deps.store);
    jest.spyOn(deps.store, 'recordFault').mockImplementation(async (fault) => {
      const written = await record(fault);
      await deps.store.transition(EXECUTION_ID, { from: ['INJECTING'], to: 'REVERTING' }); // revert took over
      return written;
    });
    const out = await inject(started(deps), deps);

    expect(out).toEqual([]);
    expect(deps.faults.injections).toEqual([]);
    expect(await deps.store.listFaults(EXECUTION_ID)).toEqual([
      expect.objectContaining({ state: 'FAILED', error: 'not injected: the execution was REVERTING' }),
    ]);
    expect((await stored(deps)).status).toBe('REVERTING');
    expect((await journalLines(deps)).at(-1)).toBe('inject inject slow: skipped');
  });

  it('touches nothing when another attempt moved the run to OBSERVING meanwhile', async () => {
    const deps = await setUp();
    deps.faults.duringInject = async () => {
      await deps.store.transition(EXECUTION_ID, { from: ['INJECTING'], to: 'OBSERVING' });
    };
    const out = await inject(started(deps), deps);

    expect(out).toEqual([]);
    expect(deps.faults.reverts).toEqual([]);
    expect(deps.faults.active.size).toBe(1);
    expect(deps.timer.cancelled).toEqual([]);
    expect((await stored(deps)).status).toBe('OBSERVING');
    expect((await journalLines(deps)).at(-1)).toBe('inject observe: stale');
  });

  it('is stale for a run that is no longer INJECTING', async () => {
    const deps = phaseDeps();
    await seedExecution(deps, 'OBSERVING');
    expect(await inject(started(deps), deps)).toEqual([]);
    expect(deps.timer.scheduled).toEqual([]);
    expect(await journalLines(deps)).toEqual(['inject ExperimentStarted: stale']);
  });

  it('leaves a fault another attempt is injecting to that attempt', async () => {
    const deps = await setUp();
    const execution = await stored(deps);
    await seedFault(deps, execution, 'ARMED', { owner: 'event-other' });
    await expect(inject(started(deps), deps)).rejects.toThrow(InjectionInProgressError);
    expect(deps.faults.injections).toEqual([]);
  });
});
