import fc from 'fast-check';
import { FINAL_STATUSES, STATUSES, VERDICTS } from '../../shared/domain/execution';
import { executionScore, formatScore, gameDayScore, sparkline, type Scored } from '../../shared/domain/score';

const met = { passed: true };
const unmet = { passed: false };
const unmeasured = { passed: null };

const run = (overrides: Partial<Scored> = {}): Scored => ({
  status: 'COMPLETED',
  verdict: 'PASSED',
  dryRun: false,
  safety: { violated: false },
  criteria: [met, met, met],
  ...overrides,
});

describe('resilience score of an execution', () => {
  it('PASSED with every criterion met scores 100', () => {
    expect(executionScore(run())).toBe(100);
  });

  it('is the share of criteria met: FAILED with 2 of 3 met scores 67', () => {
    expect(executionScore(run({ verdict: 'FAILED', criteria: [met, met, unmet] }))).toBe(67);
  });

  it('counts an unmeasured criterion as not met, and caps INCONCLUSIVE at 50', () => {
    expect(executionScore(run({ verdict: 'INCONCLUSIVE', criteria: [met, unmeasured] }))).toBe(50);
    expect(executionScore(run({ verdict: 'INCONCLUSIVE', criteria: [met, met, met, unmeasured] }))).toBe(50);
    expect(executionScore(run({ verdict: 'INCONCLUSIVE', criteria: [met, unmeasured, unmeasured, unmeasured] }))).toBe(
      25,
    );
  });

  it('counts a recovery that timed out as one more criterion not met', () => {
    expect(executionScore(run({ verdict: 'FAILED', recoveryTimedOut: true }))).toBe(75);
  });

  it('caps a FAILED verdict at 90 and a FAILED status at 50', () => {
    expect(executionScore(run({ verdict: 'FAILED' }))).toBe(90);
    expect(executionScore(run({ status: 'FAILED', verdict: 'INCONCLUSIVE' }))).toBe(50);
    expect(executionScore(run({ status: 'FAILED', verdict: 'INCONCLUSIVE', criteria: [] }))).toBe(0);
  });

  it('a safety violation, ABORTED and ROLLBACK_FAILED score 0', () => {
    expect(executionScore(run({ safety: { violated: true, reason: 'alarm' } }))).toBe(0);
    expect(executionScore(run({ status: 'ABORTED', verdict: 'FAILED' }))).toBe(0);
    expect(executionScore(run({ status: 'ROLLBACK_FAILED', verdict: 'FAILED' }))).toBe(0);
  });

  it('REJECTED, dry runs and executions still running have no score', () => {
    expect(executionScore(run({ status: 'REJECTED', verdict: 'INCONCLUSIVE', criteria: [] }))).toBeNull();
    expect(executionScore(run({ dryRun: true, verdict: 'INCONCLUSIVE', criteria: [] }))).toBeNull();
    expect(executionScore(run({ status: 'OBSERVING', verdict: undefined as never, criteria: [] }))).toBeNull();
    expect(formatScore(null)).toBe('—');
  });

  it('without criteria, PASSED scores 100 and anything else 0', () => {
    expect(executionScore(run({ criteria: [] }))).toBe(100);
    expect(executionScore(run({ criteria: undefined, verdict: 'FAILED' }))).toBe(0);
  });
});

describe('resilience score: properties', () => {
  const criterion = fc.record({ passed: fc.constantFrom(true, false, null) });
  const anyRun = fc.record({
    status: fc.constantFrom(...STATUSES),
    verdict: fc.constantFrom(...VERDICTS),
    dryRun: fc.boolean(),
    safety: fc.record({ violated: fc.boolean() }),
    criteria: fc.array(criterion, { maxLength: 8 }),
    recoveryTimedOut: fc.boolean(),
  });
  /** A PASSED run as the validator produces it: COMPLETED, every criterion measured and met. */
  const passedRun = fc.record({
    status: fc.constant('COMPLETED' as const),
    verdict: fc.constant('PASSED' as const),
    dryRun: fc.constant(false),
    safety: fc.constant({ violated: false }),
    criteria: fc.array(fc.constant(met), { maxLength: 8 }),
  });

  it('is a whole number within 0..100, or null', () => {
    fc.assert(
      fc.property(anyRun, (r) => {
        const score = executionScore(r);
        return score === null || (Number.isInteger(score) && score >= 0 && score <= 100);
      }),
    );
  });

  it('is deterministic', () => {
    fc.assert(fc.property(anyRun, (r) => executionScore(r) === executionScore(structuredClone(r))));
  });

  it('a run with a safety violation scores 0 (or nothing, when it never ran)', () => {
    fc.assert(
      fc.property(anyRun, (r) => {
        const score = executionScore({ ...r, safety: { violated: true } });
        return score === 0 || score === null;
      }),
    );
    fc.assert(
      fc.property(
        anyRun.filter((r) => !r.dryRun),
        fc.constantFrom(...FINAL_STATUSES.filter((s) => s !== 'REJECTED')),
        (r, status) => executionScore({ ...r, status, safety: { violated: true } }) === 0,
      ),
    );
  });

  it('a PASSED run scores at least any non-PASSED one', () => {
    fc.assert(
      fc.property(
        passedRun,
        anyRun.filter((r) => r.verdict !== 'PASSED'),
        (passed, other) => {
          const score = executionScore(other);
          return score === null || executionScore(passed)! > score;
        },
      ),
    );
  });

  it('a game day scores the mean of its executions, within 0..100, unscored ones as 0', () => {
    expect(gameDayScore([100, 50, null])).toBe(50);
    expect(gameDayScore([])).toBeNull();
    fc.assert(
      fc.property(fc.array(fc.option(fc.integer({ min: 0, max: 100 })), { minLength: 1 }), (scores) => {
        const score = gameDayScore(scores)!;
        return score >= 0 && score <= 100 && score <= Math.max(...scores.map((s) => s ?? 0));
      }),
    );
  });

  it('draws a sparkline of one bar per score', () => {
    expect(sparkline([0, 50, 100, null])).toBe('▁▅█ ');
  });
});
