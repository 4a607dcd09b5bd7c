import { InjectionFailed, ObservationCompleted, SafetyViolated } from '../../../events';
import type { Execution } from '../../../shared/domain/execution';
import {
  InjectionInFlightError,
  revertAfterInjectionFailure,
  revertForSafety,
  revertPlanned,
} from '../../../shared/phases/revert';
import {
  EXECUTION_ID,
  GOOD_FIGURES,
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

const KEY = 'local:replica:replica-1';

/** A run in `status` holding its lease, with one fault in `state`. */
const running = async (
  status: 'OBSERVING' | 'REVERTING' | 'INJECTING',
  state: 'INJECTED' | 'ARMED' | 'FAILED',
  set: Partial<Execution> = {},
) => {
  const deps = phaseDeps();
  const execution = await seedExecution(deps, status, { set });
  await deps.store.acquireLease(KEY, EXECUTION_ID);
  const fault = await seedFault(deps, execution, state);
  return { deps, execution, fault };
};

const observationCompleted = (execution: Execution) =>
  eventFrom(ObservationCompleted, {
    executionId: EXECUTION_ID,
    experimentId: execution.experimentId,
    metrics: GOOD_FIGURES,
  });

const safetyViolated = (deps: PhaseHarness, execution: Execution, reason: 'alarm' | 'deadline' | 'halt' = 'alarm') =>
  eventFrom(SafetyViolated, {
    executionId: EXECUTION_ID,
    experimentId: execution.experimentId,
    reason,
    message: `stopped: ${reason}`,
    at: deps.clock.iso(),
  });

describe('revert: revertPlanned', () => {
  it('reverts every fault, cancels the timers and moves to RECOVERING with FaultReverted planned', async () => {
    const { deps, execution } = await running('REVERTING', 'INJECTED', { observation: GOOD_FIGURES });
    deps.clock.advance(21_000);
    const out = await revertPlanned(observationCompleted(execution), deps);

    expect(detailTypes(out)).toEqual(['FaultReverted']);
    expect(out[0]!.detail).toMatchObject({
      planned: true,
      revertedAt: deps.clock.iso(),
      faults: [{ action: 'slow', targetKey: KEY, state: 'REVERTED', revertedAt: deps.clock.iso() }],
    });
    expect(deps.faults.reverts).toHaveLength(1);
    expect(await deps.store.listFaults(EXECUTION_ID)).toEqual([
      expect.objectContaining({ state: 'REVERTED', revertedAt: deps.clock.iso() }),
    ]);
    expect(deps.timer.cancelled).toEqual([`revert-${EXECUTION_ID}`, `observe-${EXECUTION_ID}`]);
    expect(await stored(deps)).toMatchObject({
      status: 'RECOVERING',
      observation: GOOD_FIGURES,
      revertedAt: deps.clock.iso(),
      recoveryDeadline: deps.clock.iso(30_000),
    });
    expect(await deps.store.leaseHolder(KEY)).toBe(EXECUTION_ID);
    expect(await journalLines(deps)).toEqual(['revert revert slow: ok']);
  });

  it('is stale for a run that is not REVERTING', async () => {
    const { deps, execution } = await running('OBSERVING', 'INJECTED');
    expect(await revertPlanned(observationCompleted(execution), deps)).toEqual([]);
    expect(deps.faults.reverts).toEqual([]);
    expect(await journalLines(deps)).toEqual(['revert ObservationCompleted: stale']);
  });

  it('retries a revert that failed once, after a pause', async () => {
    const { deps, execution } = await running('REVERTING', 'INJECTED', { observation: GOOD_FIGURES });
    jest.spyOn(deps.faults, 'revert').mockRejectedValueOnce(new Error('SSM throttled'));
    const out = await revertPlanned(observationCompleted(execution), deps);

    expect(deps.clock.sleeps).toEqual([deps.settings.revertBackoffMs]);
    expect(detailTypes(out)).toEqual(['FaultReverted']);
    expect((await stored(deps)).status).toBe('RECOVERING');
    expect(await journalLines(deps)).toEqual(['revert revert slow: failed', 'revert revert slow: ok']);
    const [retry] = await deps.store.readJournal(EXECUTION_ID);
    expect(retry).toMatchObject({ detail: { attempt: 1, retryInMs: 1_000 }, error: 'SSM throttled' });
  });

  it('ends ROLLBACK_FAILED with RollbackFailed and pins the leases when every attempt fails', async () => {
    const { deps, execution } = await running('REVERTING', 'INJECTED', { observation: GOOD_FIGURES });
    deps.faults.failRevert.add('network-latency');
    const out = await revertPlanned(observationCompleted(execution), deps);

    expect(deps.clock.sleeps).toEqual([1_000, 2_000, 4_000]);
    expect(detailTypes(out)).toEqual(['RollbackFailed', 'ExperimentCompleted']);
    const error = 'network-latency could not be undone on replica-1';
    expect(out[0]!.detail).toMatchObject({ faults: [{ action: 'slow', targetKey: KEY, error }] });
    expect(out[1]!.detail).toMatchObject({ status: 'ROLLBACK_FAILED', verdict: 'FAILED' });
    expect(await stored(deps)).toMatchObject({
      status: 'ROLLBACK_FAILED',
      verdict: 'FAILED',
      reasons: [`revert of slow on ${KEY} failed: ${error}`],
    });
    const [fault] = await deps.store.listFaults(EXECUTION_ID);
    expect(fault).toMatchObject({ state: 'REVERT_FAILED', error });
    expect(await deps.store.lease(KEY)).toMatchObject({ executionId: EXECUTION_ID, pinned: true });
    expect(deps.timer.cancelled).toEqual([`revert-${EXECUTION_ID}`]);
    expect(await journalLines(deps)).toEqual([...Array(4).fill('revert revert slow: failed'), 'finish completed: ok']);
  });

  it('a journal that cannot be written changes no outcome: the undone fault is REVERTED, every retry made', async () => {
    const { deps, execution } = await running('REVERTING', 'INJECTED', { observation: GOOD_FIGURES });
    jest.spyOn(deps.faults, 'revert').mockRejectedValueOnce(new Error('SSM throttled'));
    const journal = jest
      .spyOn(deps.store, 'journal')
      .mockRejectedValue(
        Object.assign(new Error('Rate of requests exceeds the allowed throughput.'), { name: 'ThrottlingException' }),
      );
    const out = await revertPlanned(observationCompleted(execution), deps);
    journal.mockRestore();

    expect(deps.faults.reverts).toHaveLength(1);
    expect(detailTypes(out)).toEqual(['FaultReverted']);
    expect(await deps.store.listFaults(EXECUTION_ID)).toEqual([expect.objectContaining({ state: 'REVERTED' })]);
    expect(await stored(deps)).toMatchObject({ status: 'RECOVERING' });
    expect(await deps.store.leaseHolder(KEY)).toBe(EXECUTION_ID);
  });

  it('waits for an injection in flight to land, then reverts it', async () => {
    const { deps, execution, fault } = await running('REVERTING', 'ARMED', { observation: GOOD_FIGURES });
    deps.clock.onSleep = async () => {
      const landed = { injectedAt: deps.clock.iso(), handle: { id: 'late' } };
      await deps.store.updateFault(fault, ['ARMED'], 'INJECTED', landed);
    };
    const out = await revertPlanned(observationCompleted(execution), deps);

    expect(deps.clock.sleeps).toEqual([1_000]);
    expect(deps.faults.reverts).toEqual([expect.objectContaining({ state: 'INJECTED', handle: { id: 'late' } })]);
    expect(detailTypes(out)).toEqual(['FaultReverted']);
    expect(await journalLines(deps)).toEqual([
      'revert wait for injections in flight: skipped',
      'revert revert slow: ok',
    ]);
  });

  it('gives up for now past injectionSettleMs: InjectionInFlightError, nothing reverted', async () => {
    const { deps, execution } = await running('REVERTING', 'ARMED', { observation: GOOD_FIGURES });
    const start = deps.clock.now().getTime();
    await expect(revertPlanned(observationCompleted(execution), deps)).rejects.toThrow(InjectionInFlightError);

    expect(deps.clock.now().getTime() - start).toBe(deps.settings.injectionSettleMs);
    expect(deps.faults.reverts).toEqual([]);
    expect(await deps.store.listFaults(EXECUTION_ID)).toEqual([expect.objectContaining({ state: 'ARMED' })]);
    expect((await stored(deps)).status).toBe('REVERTING');
    expect(await journalLines(deps)).toEqual([
      'revert wait for injections in flight: skipped',
      'revert wait for injections in flight: failed',
    ]);
  });

  it('does not wait for an ARMED record whose attempt is over', async () => {
    const { deps, execution } = await running('REVERTING', 'ARMED', { observation: GOOD_FIGURES });
    deps.clock.advance(deps.settings.injectAttemptMaxMs);
    const out = await revertPlanned(observationCompleted(execution), deps);

    expect(deps.clock.sleeps).toEqual([]);
    expect(detailTypes(out)).toEqual(['FaultReverted']);
    expect(deps.faults.reverts).toHaveLength(1);
  });
});

describe('revert: revertForSafety', () => {
  it('moves an observing run to REVERTING, reverts, and moves on to RECOVERING with planned false', async () => {
    const { deps, execution } = await running('OBSERVING', 'INJECTED');
    deps.clock.advance(5_000);
    const out = await revertForSafety(safetyViolated(deps, execution), deps);

    expect(detailTypes(out)).toEqual(['FaultReverted']);
    expect(out[0]!.detail).toMatchObject({ planned: false });
    expect(deps.faults.reverts).toHaveLength(1);
    expect(await stored(deps)).toMatchObject({
      status: 'RECOVERING',
      safety: { violated: true, reason: 'stopped: alarm', source: 'alarm', at: deps.clock.iso() },
      observation: GOOD_FIGURES,
    });
    expect(await journalLines(deps)).toEqual(['revert SafetyViolated (alarm): ok', 'revert revert slow: ok']);
  });

  it('ends a run stopped before injection ABORTED, giving its leases back', async () => {
    const deps = phaseDeps();
    const execution = await seedExecution(deps, 'PREPARING', { set: { targets: [replica('replica-1')] } });
    await deps.store.acquireLease(KEY, EXECUTION_ID);
    const out = await revertForSafety(safetyViolated(deps, execution, 'halt'), deps);

    expect(detailTypes(out)).toEqual(['ExperimentCompleted']);
    expect(await stored(deps)).toMatchObject({ status: 'ABORTED', verdict: 'FAILED', safety: { violated: true } });
    expect(await deps.store.lease(KEY)).toBeUndefined();
    expect(deps.faults.reverts).toEqual([]);
  });

  it('treats the revert deadline during a planned revert as no violation', async () => {
    const { deps, execution } = await running('REVERTING', 'INJECTED', { observation: GOOD_FIGURES });
    const out = await revertForSafety(safetyViolated(deps, execution, 'deadline'), deps);

    expect(out[0]!.detail).toMatchObject({ planned: true });
    expect((await stored(deps)).safety.violated).toBe(false);
  });

  it('only marks a run already recovering: its faults are reverted', async () => {
    const deps = phaseDeps();
    const execution = await seedExecution(deps, 'RECOVERING');
    expect(await revertForSafety(safetyViolated(deps, execution), deps)).toEqual([]);
    expect(await stored(deps)).toMatchObject({ status: 'RECOVERING', safety: { violated: true } });
  });

  it('is stale for a final run', async () => {
    const deps = phaseDeps();
    const execution = await seedExecution(deps, 'COMPLETED');
    expect(await revertForSafety(safetyViolated(deps, execution), deps)).toEqual([]);
    expect((await stored(deps)).safety.violated).toBe(false);
    expect(await journalLines(deps)).toEqual(['revert SafetyViolated (alarm): stale']);
  });
});

describe('revert: revertAfterInjectionFailure', () => {
  it('moves the run to REVERTING with the failure, undoes what was tried, and moves on to RECOVERING', async () => {
    const { deps, execution } = await running('INJECTING', 'FAILED');
    const event = eventFrom(InjectionFailed, {
      executionId: EXECUTION_ID,
      experimentId: execution.experimentId,
      action: 'slow',
      targetKey: KEY,
      error: 'did not take effect',
    });
    const out = await revertAfterInjectionFailure(event, deps);

    expect(detailTypes(out)).toEqual(['FaultReverted']);
    expect(out[0]!.detail).toMatchObject({ planned: false });
    expect(await stored(deps)).toMatchObject({
      status: 'RECOVERING',
      failure: 'injection of slow failed: did not take effect',
    });
    expect(deps.faults.reverts).toHaveLength(1);
  });
});
