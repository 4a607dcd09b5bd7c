import { RollbackFailed, type EventOf, type RecoveryConfirmed, type RecoveryTimedOut } from '../../events';
import type { CriterionResult, Execution, FinalStatus, Verdict } from '../domain/execution';
import type { SuccessCriterion } from '../domain/template';
import type { BusEntry } from '../ports';
import type { PhaseDependencies } from './dependencies';
import { finish } from './finish';

const PHASE = 'validate';

const fmt = (n: number) => String(Math.round(n * 100) / 100);

/** Judges one success criterion; a missing measurement is `passed: null`, never a pass. */
export const evaluateCriterion = (c: SuccessCriterion, execution: Execution): CriterionResult => {
  switch (c.type) {
    case 'availability': {
      const actual = execution.observation?.availabilityPercent;
      return { type: c.type, expected: `>= ${c.minPercent}%`, actual: actual === undefined ? null : `${fmt(actual)}%`, passed: actual === undefined ? null : actual >= c.minPercent };
    }
    case 'latency': {
      const actual = execution.observation?.latencyMs?.[`p${c.percentile}` as 'p50' | 'p90' | 'p95' | 'p99'];
      return { type: c.type, expected: `p${c.percentile} <= ${c.maxMs}ms`, actual: actual === undefined ? null : `${fmt(actual)}ms`, passed: actual === undefined ? null : actual <= c.maxMs };
    }
    case 'recoveryTime': {
      if (execution.recoveryTimedOut) return { type: c.type, expected: `<= ${c.maxSeconds}s`, actual: 'timed out', passed: false };
      const actual = execution.recoverySeconds;
      return { type: c.type, expected: `<= ${c.maxSeconds}s`, actual: actual === undefined ? null : `${fmt(actual)}s`, passed: actual === undefined ? null : actual <= c.maxSeconds };
    }
  }
};

/** The verdict and final status of an execution whose faults are all reverted. */
export const judge = (execution: Execution): { verdict: Verdict; status: FinalStatus; criteria: CriterionResult[]; reasons: string[] } => {
  const criteria = (execution.template?.hypothesis.successCriteria ?? []).map((c) => evaluateCriterion(c, execution));
  const reasons: string[] = [];
  if (execution.safety.violated) {
    reasons.push(`safety violation: ${execution.safety.reason ?? 'unknown'}`);
    return { verdict: 'FAILED', status: 'ABORTED', criteria, reasons };
  }
  if (execution.failure) return { verdict: 'INCONCLUSIVE', status: 'FAILED', criteria, reasons: [execution.failure] };
  if (execution.recoveryTimedOut) reasons.push('the system did not recover before recovery.timeout');
  for (const c of criteria) {
    if (c.passed === false) reasons.push(`${c.type}: expected ${c.expected}, got ${c.actual}`);
    if (c.passed === null) reasons.push(`${c.type}: not measured`);
  }
  if (execution.recoveryTimedOut || criteria.some((c) => c.passed === false)) return { verdict: 'FAILED', status: 'COMPLETED', criteria, reasons };
  if (criteria.some((c) => c.passed === null)) return { verdict: 'INCONCLUSIVE', status: 'COMPLETED', criteria, reasons };
  return { verdict: 'PASSED', status: 'COMPLETED', criteria, reasons };
};

/** RecoveryConfirmed | RecoveryTimedOut → verdict → ExperimentCompleted. */
export const validate = async (
  event: EventOf<typeof RecoveryConfirmed> | EventOf<typeof RecoveryTimedOut>,
  deps: PhaseDependencies,
): Promise<BusEntry[]> => {
  const { executionId } = event.detail;
  // A safety violation may land between reading and writing: the version check makes us judge again.
  for (let attempt = 0; attempt < 5; attempt++) {
    const execution = await deps.store.getExecution(executionId);
    if (!execution || execution.status !== 'VALIDATING') {
      if (execution) await deps.store.journal(executionId, { phase: PHASE, action: event['detail-type'], outcome: 'stale', detail: { status: execution.status } });
      return [];
    }
    const open = (await deps.store.listFaults(executionId)).filter((f) => f.state !== 'REVERTED' && f.state !== 'FAILED');
    if (open.length) {
      // Never judged while a fault may be active: that needs a human, and its targets stay leased.
      const faults = open.map((f) => ({ action: f.action, targetKey: f.target.key, error: f.error ?? `fault is ${f.state}` }));
      const done = await finish(deps, executionId, ['VALIDATING'], 'ROLLBACK_FAILED', {
        verdict: 'FAILED',
        reasons: faults.map((f) => `${f.action} on ${f.targetKey} is not reverted: ${f.error}`),
      }, execution.version);
      if (done) return [RollbackFailed.entry({ executionId, experimentId: execution.experimentId, faults }), ...done.entries];
      continue;
    }
    const { verdict, status, criteria, reasons } = judge(execution);
    const done = await finish(deps, executionId, ['VALIDATING'], status, { verdict, criteria, reasons }, execution.version);
    if (done) {
      await deps.store.journal(executionId, { phase: PHASE, action: 'verdict', outcome: 'ok', detail: { status, verdict, reasons } });
      return done.entries;
    }
  }
  throw new Error(`execution ${executionId} kept changing while being judged`);
};
