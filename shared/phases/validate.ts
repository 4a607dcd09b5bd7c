import { RollbackFailed, type EventOf, type RecoveryConfirmed, type RecoveryTimedOut } from '../../events';
import type { CriterionResult, Execution, FaultRecord, FinalStatus, Verdict } from '../domain/execution';
import type { SuccessCriterion } from '../domain/template';
import { ContentionError } from '../errors';
import type { BusEntry } from '../ports';
import type {
  AlarmWatchRepository,
  ExecutionRepository,
  FaultRepository,
  JournalRepository,
  LeaseRepository,
} from '../store/execution-store';
import type { PhaseDependencies } from './dependencies';
import { finish, openFaults } from './finish';
import { executionIn } from './stale';

const PHASE = 'validate';

/**
 * What validate works with: the execution, its faults and journal, and what `finish` gives back
 * (leases, alarm watches, the revert deadline).
 */
export type ValidateDependencies = {
  store: ExecutionRepository & FaultRepository & JournalRepository & LeaseRepository & AlarmWatchRepository;
} & Pick<PhaseDependencies, 'clock' | 'timer'>;

const fmt = (n: number) => String(Math.round(n * 100) / 100);

/** Judges one success criterion; a missing measurement is `passed: null`, never a pass. */
export const evaluateCriterion = (c: SuccessCriterion, execution: Execution): CriterionResult => {
  switch (c.type) {
    case 'availability': {
      const actual = execution.observation?.availabilityPercent;
      return {
        type: c.type,
        expected: `>= ${c.minPercent}%`,
        actual: actual === undefined ? null : `${fmt(actual)}%`,
        passed: actual === undefined ? null : actual >= c.minPercent,
      };
    }
    case 'latency': {
      const actual = execution.observation?.latencyMs?.[`p${c.percentile}` as 'p50' | 'p90' | 'p95' | 'p99'];
      return {
        type: c.type,
        expected: `p${c.percentile} <= ${c.maxMs}ms`,
        actual: actual === undefined ? null : `${fmt(actual)}ms`,
        passed: actual === undefined ? null : actual <= c.maxMs,
      };
    }
    case 'recoveryTime': {
      if (execution.recoveryTimedOut)
        return { type: c.type, expected: `<= ${c.maxSeconds}s`, actual: 'timed out', passed: false };
      const actual = execution.recoverySeconds;
      return {
        type: c.type,
        expected: `<= ${c.maxSeconds}s`,
        actual: actual === undefined ? null : `${fmt(actual)}s`,
        passed: actual === undefined ? null : actual <= c.maxSeconds,
      };
    }
  }
};

/**
 * Why the window was not observed under every fault: a fault that was not injected (confirmed)
 * by the window's start, or was reverted before its end. Empty when the window holds.
 */
export const unobservedWindow = (execution: Execution, faults: readonly FaultRecord[]): string[] => {
  const start = execution.injectedAt ? Date.parse(execution.injectedAt) : undefined;
  const end = execution.observationEndsAt ? Date.parse(execution.observationEndsAt) : undefined;
  if (start === undefined || end === undefined) return ['the observation window was never opened'];
  const problems: string[] = [];
  for (const f of faults) {
    if (!f.injectedAt || Date.parse(f.injectedAt) > start)
      problems.push(`${f.action} on ${f.target.key} was not active when the window opened`);
    else if (f.revertedAt && Date.parse(f.revertedAt) < end)
      problems.push(`${f.action} on ${f.target.key} was reverted at ${f.revertedAt}, before the window ended`);
  }
  if (!faults.length) problems.push('no fault was recorded for the window');
  return problems;
};

/**
 * The verdict and final status of an execution whose faults are all reverted. PASSED needs every
 * criterion measured and met, no safety violation, and (when the faults are given) a window
 * observed under every fault from its start to its end.
 */
export const judge = (
  execution: Execution,
  faults?: readonly FaultRecord[],
): { verdict: Verdict; status: FinalStatus; criteria: CriterionResult[]; reasons: string[] } => {
  const criteria = (execution.template?.hypothesis.successCriteria ?? []).map((c) => evaluateCriterion(c, execution));
  const reasons: string[] = [];
  if (execution.safety.violated) {
    reasons.push(`safety violation: ${execution.safety.reason ?? 'unknown'}`);
    return { verdict: 'FAILED', status: 'ABORTED', criteria, reasons };
  }
  if (execution.failure) return { verdict: 'INCONCLUSIVE', status: 'FAILED', criteria, reasons: [execution.failure] };
  const unobserved = faults ? unobservedWindow(execution, faults) : [];
  if (unobserved.length) return { verdict: 'INCONCLUSIVE', status: 'FAILED', criteria, reasons: unobserved };
  if (execution.recoveryTimedOut) reasons.push('the system did not recover before recovery.timeout');
  for (const c of criteria) {
    if (c.passed === false) reasons.push(`${c.type}: expected ${c.expected}, got ${c.actual}`);
    if (c.passed === null) reasons.push(`${c.type}: not measured`);
  }
  if (execution.recoveryTimedOut || criteria.some((c) => c.passed === false))
    return { verdict: 'FAILED', status: 'COMPLETED', criteria, reasons };
  if (criteria.some((c) => c.passed === null))
    return { verdict: 'INCONCLUSIVE', status: 'COMPLETED', criteria, reasons };
  return { verdict: 'PASSED', status: 'COMPLETED', criteria, reasons };
};

/** RecoveryConfirmed | RecoveryTimedOut → verdict → ExperimentCompleted. */
export const validate = async (
  event: EventOf<typeof RecoveryConfirmed> | EventOf<typeof RecoveryTimedOut>,
  deps: ValidateDependencies,
): Promise<BusEntry[]> => {
  const { executionId } = event.detail;
  // A safety violation may land between reading and writing: the version check makes us judge again.
  for (let attempt = 0; attempt < 5; attempt++) {
    const execution = await executionIn(deps, executionId, ['VALIDATING'], PHASE, event['detail-type']);
    if (!execution) return [];
    const faults = await deps.store.listFaults(executionId);
    const open = openFaults(faults);
    if (open.length) {
      // Never judged while a fault may be active: that needs a human, and its targets stay leased.
      const faults = open.map((f) => ({
        action: f.action,
        targetKey: f.target.key,
        error: f.error ?? `fault is ${f.state}`,
      }));
      const done = await finish(
        deps,
        executionId,
        ['VALIDATING'],
        'ROLLBACK_FAILED',
        {
          verdict: 'FAILED',
          reasons: faults.map((f) => `${f.action} on ${f.targetKey} is not reverted: ${f.error}`),
        },
        execution.version,
      );
      if (done)
        return [RollbackFailed.entry({ executionId, experimentId: execution.experimentId, faults }), ...done.entries];
      continue;
    }
    const { verdict, status, criteria, reasons } = judge(
      execution,
      faults.filter((f) => f.state !== 'FAILED'),
    );
    const done = await finish(
      deps,
      executionId,
      ['VALIDATING'],
      status,
      { verdict, criteria, reasons },
      execution.version,
    );
    if (done) {
      await deps.store.journal(executionId, {
        phase: PHASE,
        action: 'verdict',
        outcome: 'ok',
        detail: { status, verdict, reasons },
      });
      return done.entries;
    }
  }
  throw new ContentionError(`execution ${executionId} kept changing while being judged`);
};
