import { FaultReverted, RecoveryCheckDue } from '../../../events';
import type { Execution } from '../../../shared/domain/execution';
import { beginRecovery, continueRecovery } from '../../../shared/phases/recover';
import {
  EXECUTION_ID,
  detailTypes,
  eventFrom,
  journalLines,
  phaseDeps,
  seedExecution,
  stored,
  type PhaseHarness,
} from './support';

const faultReverted = (_deps: PhaseHarness, execution: Execution) =>
  eventFrom(FaultReverted, {
    executionId: EXECUTION_ID,
    experimentId: execution.experimentId,
    faults: [],
    revertedAt: execution.revertedAt!,
    planned: true,
  });

const checkDue = (execution: Execution, attempt: number) =>
  eventFrom(RecoveryCheckDue, {
    executionId: EXECUTION_ID,
    experimentId: execution.experimentId,
    attempt,
    deadline: execution.recoveryDeadline!,
  });

/** A run reverted now, with 30 s to recover, checked every 5 s. */
const recovering = async () => {
  const deps = phaseDeps();
  const execution = await seedExecution(deps, 'RECOVERING');
  return { deps, execution };
};

describe('recover', () => {
  it('confirms a steady system: VALIDATING and RecoveryConfirmed with the time since the revert', async () => {
    const { deps, execution } = await recovering();
    deps.clock.advance(2_500);
    const out = await beginRecovery(faultReverted(deps, execution), deps);

    expect(detailTypes(out)).toEqual(['RecoveryConfirmed']);
    expect(out[0]!.detail).toMatchObject({ recoverySeconds: 2.5, confirmedAt: deps.clock.iso() });
    expect(await stored(deps)).toMatchObject({
      status: 'VALIDATING',
      recoverySeconds: 2.5,
      recoveredAt: deps.clock.iso(),
    });
    expect(deps.timer.scheduled).toEqual([]);
    expect(await journalLines(deps)).toEqual(['recover health check 1: ok']);
  });

  it('schedules the next check when the system is not steady yet', async () => {
    const { deps, execution } = await recovering();
    deps.health.steadyNow = false;
    const out = await beginRecovery(faultReverted(deps, execution), deps);

    expect(out).toEqual([]);
    expect(deps.timer.scheduled).toEqual([
      {
        name: `recover-${EXECUTION_ID}-2`,
        at: new Date(deps.clock.iso(5_000)),
        entry: expect.objectContaining({
          detailType: 'RecoveryCheckDue',
          detail: expect.objectContaining({ attempt: 2, deadline: execution.recoveryDeadline }),
        }),
      },
    ]);
    expect((await stored(deps)).status).toBe('RECOVERING');
    expect(await journalLines(deps)).toEqual(['recover health check 1: skipped']);
  });

  it('never schedules a check past the recovery deadline', async () => {
    const { deps, execution } = await recovering();
    deps.health.steadyNow = false;
    deps.clock.advance(28_000);
    await continueRecovery(checkDue(execution, 6), deps);

    expect(deps.timer.scheduled.map((s) => [s.name, s.at.toISOString()])).toEqual([
      [`recover-${EXECUTION_ID}-7`, execution.recoveryDeadline],
    ]);
  });

  it('counts a failing health check as not steady', async () => {
    const { deps, execution } = await recovering();
    jest.spyOn(deps.health, 'steady').mockRejectedValueOnce(new Error('DescribeTargetHealth throttled'));
    expect(await beginRecovery(faultReverted(deps, execution), deps)).toEqual([]);
    expect(deps.timer.names).toEqual([`recover-${EXECUTION_ID}-2`]);
  });

  it('times out at the deadline: VALIDATING with recoveryTimedOut and RecoveryTimedOut', async () => {
    const { deps, execution } = await recovering();
    deps.health.steadyNow = false;
    deps.clock.advance(30_000);
    const out = await continueRecovery(checkDue(execution, 7), deps);

    expect(detailTypes(out)).toEqual(['RecoveryTimedOut']);
    expect(out[0]!.detail).toMatchObject({ waitedSeconds: 30, lastCheck: 'not steady', at: deps.clock.iso() });
    expect(await stored(deps)).toMatchObject({ status: 'VALIDATING', recoveryTimedOut: true });
    expect(deps.timer.scheduled).toEqual([]);
  });

  it('is stale once the run has moved on', async () => {
    const { deps, execution } = await recovering();
    await beginRecovery(faultReverted(deps, execution), deps);
    expect(await continueRecovery(checkDue(execution, 2), deps)).toEqual([]);
    expect((await journalLines(deps)).at(-1)).toBe('recover RecoveryCheckDue: stale');
  });
});
