import { ScheduledEvent } from '../../../events';
import { sweep, SweepError } from '../../../shared/phases/sweep';
import {
  ALARM,
  EXECUTION_ID,
  detailTypes,
  eventFrom,
  journalLines,
  phaseDeps,
  replica,
  seedExecution,
  seedFault,
  stored,
} from './support';

const KEY = 'local:replica:replica-1';
const tick = () => eventFrom(ScheduledEvent, {});
const MINUTE = 60_000;

describe('sweep', () => {
  it('stops a run OBSERVING past its revert deadline and the grace, and counts the nudge', async () => {
    const deps = phaseDeps();
    const execution = await seedExecution(deps, 'OBSERVING');
    deps.clock.advance(60_000 + deps.settings.deadlineGraceMs);
    expect(await sweep(tick(), deps)).toEqual([]);

    deps.clock.advance(1);
    const out = await sweep(tick(), deps);
    expect(detailTypes(out)).toEqual(['SafetyViolated']);
    expect(out[0]!.detail).toMatchObject({
      executionId: EXECUTION_ID,
      reason: 'deadline',
      message: `revert deadline ${execution.revertDeadline} passed: reverted by the sweeper`,
    });
    expect(await stored(deps)).toMatchObject({ status: 'OBSERVING', sweeps: 1 });
    const [nudge] = await deps.store.readJournal(EXECUTION_ID);
    expect(nudge).toMatchObject({ phase: 'sweep', outcome: 'ok', detail: { sends: 'SafetyViolated', sweeps: 1 } });
  });

  it('ends a run stuck in PREPARING FAILED, never a violation, giving its leases and watches back', async () => {
    const deps = phaseDeps();
    await seedExecution(deps, 'PREPARING', { set: { targets: [replica('replica-1')] } });
    await deps.store.acquireLease(KEY, EXECUTION_ID);
    await deps.store.watchAlarms(EXECUTION_ID, [ALARM]);
    deps.clock.advance(deps.settings.stuckAfterMs + 1);
    const out = await sweep(tick(), deps);

    expect(detailTypes(out)).toEqual(['ExperimentCompleted']);
    const execution = await stored(deps);
    expect(execution).toMatchObject({ status: 'FAILED', verdict: 'INCONCLUSIVE', safety: { violated: false } });
    expect(execution.failure).toMatch(/^stuck in PREPARING since .*: it never started$/);
    expect(await deps.store.lease(KEY)).toBeUndefined();
    expect(await deps.store.executionsWatchingAlarm(ALARM)).toEqual([]);
    expect(await journalLines(deps)).toEqual(['finish completed: ok', 'sweep give up: failed']);
  });

  it('leaves a run that is not stuck yet alone', async () => {
    const deps = phaseDeps();
    await seedExecution(deps, 'PREPARING');
    await seedExecution(deps, 'INJECTING', { executionId: 'injecting' });
    deps.clock.advance(deps.settings.stuckWithFaultAfterMs);
    expect(await sweep(tick(), deps)).toEqual([]);
    expect((await stored(deps)).status).toBe('PREPARING');
  });

  it.each([
    ['INJECTING', 7 * MINUTE, 'SafetyViolated'],
    ['REVERTING', 7 * MINUTE, 'SafetyViolated'],
    ['RECOVERING', 15 * MINUTE + 30_000, 'RecoveryCheckDue'],
    ['VALIDATING', 15 * MINUTE, 'RecoveryConfirmed'],
  ] as const)('nudges a run stuck in %s with what moves it on', async (status, afterMs, sends) => {
    const deps = phaseDeps();
    await seedExecution(deps, status);
    deps.clock.advance(afterMs + 1);
    expect(detailTypes(await sweep(tick(), deps))).toEqual([sends]);
    expect((await stored(deps)).sweeps).toBe(1);
  });

  it('journals an execution whose write throws and still handles the others', async () => {
    const deps = phaseDeps();
    await seedExecution(deps, 'OBSERVING', { executionId: 'bad' });
    await seedExecution(deps, 'OBSERVING', { executionId: 'good' });
    const transition = deps.store.transition.bind(deps.store);
    jest.spyOn(deps.store, 'transition').mockImplementation(async (id, request) => {
      if (id === 'bad') throw new Error('ValidationException: item too large');
      return transition(id, request);
    });
    deps.clock.advance(60_000 + deps.settings.deadlineGraceMs + 1);
    const out = await sweep(tick(), deps);

    expect(out.map((e) => [e.detailType, e.detail.executionId])).toEqual([['SafetyViolated', 'good']]);
    expect(await deps.store.readJournal('bad')).toEqual([
      expect.objectContaining({
        phase: 'sweep',
        action: 'sweep',
        outcome: 'failed',
        error: 'Error: ValidationException: item too large',
      }),
    ]);
    expect((await stored(deps, 'good')).sweeps).toBe(1);
  });

  it('fails the tick when it could move nothing', async () => {
    const deps = phaseDeps();
    await seedExecution(deps, 'OBSERVING', { executionId: 'bad' });
    jest.spyOn(deps.store, 'transition').mockRejectedValue(new Error('ValidationException'));
    deps.clock.advance(60_000 + deps.settings.deadlineGraceMs + 1);
    await expect(sweep(tick(), deps)).rejects.toThrow(SweepError);
  });

  it('gives up after maxSweeps: ROLLBACK_FAILED with its leases pinned while a fault is open', async () => {
    const deps = phaseDeps();
    const execution = await seedExecution(deps, 'OBSERVING', { set: { sweeps: deps.settings.maxSweeps } });
    await seedFault(deps, execution, 'INJECTED');
    await deps.store.acquireLease(KEY, EXECUTION_ID);
    deps.clock.advance(60_000 + deps.settings.deadlineGraceMs + 1);
    const out = await sweep(tick(), deps);

    expect(detailTypes(out)).toEqual(['RollbackFailed', 'ExperimentCompleted']);
    expect(out[0]!.detail).toMatchObject({ faults: [{ action: 'slow', targetKey: KEY }] });
    expect(await stored(deps)).toMatchObject({
      status: 'ROLLBACK_FAILED',
      verdict: 'FAILED',
      reasons: ['stuck in OBSERVING after 3 nudges of the sweeper'],
    });
    expect(await deps.store.lease(KEY)).toMatchObject({ executionId: EXECUTION_ID, pinned: true });
  });

  it('gives up after maxSweeps: FAILED with its leases given back when every fault is reverted', async () => {
    const deps = phaseDeps();
    const execution = await seedExecution(deps, 'RECOVERING', { set: { sweeps: deps.settings.maxSweeps } });
    await seedFault(deps, execution, 'REVERTED', { revertedAt: deps.clock.iso() });
    await deps.store.acquireLease(KEY, EXECUTION_ID);
    deps.clock.advance(30_000 + deps.settings.stuckAfterMs + 1);
    const out = await sweep(tick(), deps);

    expect(detailTypes(out)).toEqual(['ExperimentCompleted']);
    expect(await stored(deps)).toMatchObject({
      status: 'FAILED',
      verdict: 'INCONCLUSIVE',
      safety: { violated: false },
    });
    expect(await deps.store.lease(KEY)).toBeUndefined();
  });
});
