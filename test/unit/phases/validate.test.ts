import { RecoveryConfirmed, RecoveryTimedOut } from '../../../events';
import type { Execution, FaultRecord } from '../../../shared/domain/execution';
import { validate } from '../../../shared/phases/validate';
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

const KEY = 'local:replica:replica-1';

/**
 * A run that injected at T0 - 40 s, observed 20 s, reverted at T0 - 20 s and recovered in 2 s, with
 * its lease and alarm watch held: every criterion of the template is met unless `set` says otherwise.
 */
const validating = async (set: Partial<Execution> = {}, fault: Partial<FaultRecord> = {}) => {
  const deps = phaseDeps();
  deps.clock.advance(-40_000);
  const execution = await seedExecution(deps, 'VALIDATING', {
    set: {
      observation: GOOD_FIGURES,
      revertedAt: deps.clock.iso(20_000),
      recoveredAt: deps.clock.iso(22_000),
      recoverySeconds: 2,
      ...set,
    },
  });
  await seedFault(deps, execution, 'REVERTED', { revertedAt: deps.clock.iso(20_000), ...fault });
  await deps.store.acquireLease(KEY, EXECUTION_ID);
  await deps.store.watchAlarms(EXECUTION_ID, [ALARM]);
  deps.clock.advance(40_000);
  return { deps, execution };
};

const confirmed = (deps: PhaseHarness, execution: Execution) =>
  eventFrom(RecoveryConfirmed, {
    executionId: EXECUTION_ID,
    experimentId: execution.experimentId,
    recoverySeconds: 2,
    confirmedAt: deps.clock.iso(),
  });

describe('validate', () => {
  it('PASSED when every criterion is met and the window was observed under the fault', async () => {
    const { deps, execution } = await validating();
    const out = await validate(confirmed(deps, execution), deps);

    expect(detailTypes(out)).toEqual(['ExperimentCompleted']);
    expect(out[0]!.detail).toMatchObject({
      status: 'COMPLETED',
      verdict: 'PASSED',
      reasons: [],
      metrics: { availabilityPercent: 100, p95LatencyMs: 50, recoverySeconds: 2 },
      completedAt: deps.clock.iso(),
    });
    const after = await stored(deps);
    expect(after).toMatchObject({ status: 'COMPLETED', verdict: 'PASSED', completedAt: deps.clock.iso() });
    expect(after.criteria!.map((c) => c.passed)).toEqual([true, true, true]);
    expect(await deps.store.lease(KEY)).toBeUndefined();
    expect(await deps.store.executionsWatchingAlarm(ALARM)).toEqual([]);
    expect(deps.timer.cancelled).toEqual([`revert-${EXECUTION_ID}`]);
    expect(await journalLines(deps)).toEqual(['finish completed: ok', 'validate verdict: ok']);
  });

  it('INCONCLUSIVE when a figure is missing', async () => {
    const { deps, execution } = await validating({ observation: { availabilityPercent: 100 } });
    const out = await validate(confirmed(deps, execution), deps);

    expect(out[0]!.detail).toMatchObject({
      status: 'COMPLETED',
      verdict: 'INCONCLUSIVE',
      reasons: ['latency: not measured'],
    });
  });

  it('FAILED when a criterion is missed', async () => {
    const { deps, execution } = await validating({ observation: { ...GOOD_FIGURES, availabilityPercent: 97 } });
    await validate(confirmed(deps, execution), deps);

    expect(await stored(deps)).toMatchObject({
      status: 'COMPLETED',
      verdict: 'FAILED',
      reasons: ['availability: expected >= 99%, got 97%'],
    });
  });

  it('FAILED when the system did not recover in time', async () => {
    const { deps, execution } = await validating({ recoveryTimedOut: true, recoverySeconds: undefined });
    const event = eventFrom(RecoveryTimedOut, {
      executionId: EXECUTION_ID,
      experimentId: execution.experimentId,
      waitedSeconds: 30,
      at: deps.clock.iso(),
    });
    await validate(event, deps);
    expect(await stored(deps)).toMatchObject({ status: 'COMPLETED', verdict: 'FAILED' });
  });

  it('ABORTED and FAILED with a safety violation, whatever the figures', async () => {
    const safety = { violated: true, reason: 'stop-condition alarm unit-alarm is in ALARM', source: 'alarm' };
    const { deps, execution } = await validating({ safety });
    const out = await validate(confirmed(deps, execution), deps);

    expect(out[0]!.detail).toMatchObject({
      status: 'ABORTED',
      verdict: 'FAILED',
      safety: { violated: true, reason: safety.reason },
      reasons: [`safety violation: ${safety.reason}`],
    });
    expect(await deps.store.lease(KEY)).toBeUndefined();
  });

  it('ROLLBACK_FAILED, never a verdict, while a fault is still open; its lease is pinned', async () => {
    const stuck = { state: 'REVERT_FAILED' as const, revertedAt: undefined, error: 'tc busy' };
    const { deps, execution } = await validating({}, stuck);
    const out = await validate(confirmed(deps, execution), deps);

    expect(detailTypes(out)).toEqual(['RollbackFailed', 'ExperimentCompleted']);
    expect(out[0]!.detail).toMatchObject({ faults: [{ action: 'slow', targetKey: KEY, error: 'tc busy' }] });
    expect(await stored(deps)).toMatchObject({
      status: 'ROLLBACK_FAILED',
      verdict: 'FAILED',
      reasons: [`slow on ${KEY} is not reverted: tc busy`],
    });
    expect(await deps.store.lease(KEY)).toMatchObject({ executionId: EXECUTION_ID, pinned: true });
  });

  it('INCONCLUSIVE (FAILED) when a fault was reverted before the window ended', async () => {
    const { deps, execution } = await validating({}, { revertedAt: '2026-11-30T09:59:30.000Z' });
    const out = await validate(confirmed(deps, execution), deps);

    expect(out[0]!.detail).toMatchObject({
      status: 'FAILED',
      verdict: 'INCONCLUSIVE',
      reasons: [`slow on ${KEY} was reverted at 2026-11-30T09:59:30.000Z, before the window ended`],
    });
  });

  it('INCONCLUSIVE (FAILED) when a fault was confirmed only after the window opened', async () => {
    const { deps, execution } = await validating({}, { injectedAt: '2026-11-30T09:59:25.000Z' });
    const out = await validate(confirmed(deps, execution), deps);

    expect(out[0]!.detail).toMatchObject({
      status: 'FAILED',
      verdict: 'INCONCLUSIVE',
      reasons: [`slow on ${KEY} was not active when the window opened`],
    });
  });

  it('is stale for a run that is not VALIDATING', async () => {
    const { deps, execution } = await validating();
    await validate(confirmed(deps, execution), deps);
    expect(await validate(confirmed(deps, execution), deps)).toEqual([]);
    expect((await journalLines(deps)).at(-1)).toBe('validate RecoveryConfirmed: stale');
  });
});
