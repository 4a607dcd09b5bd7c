import type { CriterionResult, Execution } from './execution';
import { isFinal } from './execution';

/** What the score of an execution is computed from: a subset of the execution item. */
export type Scored = Pick<Execution, 'status' | 'verdict' | 'dryRun' | 'safety'> & {
  criteria?: readonly Pick<CriterionResult, 'passed'>[] | undefined;
  recoveryTimedOut?: boolean | undefined;
};

/** Highest score of an INCONCLUSIVE verdict or a FAILED status (the run did not measure what it set out to). */
export const INCONCLUSIVE_CAP = 50;
/** Highest score of a FAILED verdict: never level with a PASSED run. */
export const FAILED_CAP = 90;

/**
 * The resilience score of one execution, 0 to 100 (README "Resilience score"), or null when
 * there is nothing to score: not final yet, REJECTED (nothing ran) or a dry run.
 *
 * 1. A safety violation, ABORTED or ROLLBACK_FAILED: 0.
 * 2. Otherwise 100 × met / n, rounded: n counts the success criteria (plus one when the recovery
 *    timed out), met those measured and met; a criterion not measured counts as not met. With no
 *    criterion at all, PASSED scores 100 and anything else 0.
 * 3. Capped at 50 when the verdict is INCONCLUSIVE or the status FAILED, and at 90 when the
 *    verdict is FAILED.
 *
 * PASSED needs every criterion measured and met, so a PASSED execution scores 100.
 */
export const executionScore = (execution: Scored): number | null => {
  if (!isFinal(execution.status) || execution.status === 'REJECTED' || execution.dryRun) return null;
  if (execution.safety.violated || execution.status === 'ABORTED' || execution.status === 'ROLLBACK_FAILED') return 0;
  const criteria = execution.criteria ?? [];
  const n = criteria.length + (execution.recoveryTimedOut ? 1 : 0);
  const met = criteria.filter((c) => c.passed === true).length;
  let score = n === 0 ? (execution.verdict === 'PASSED' ? 100 : 0) : Math.round((100 * met) / n);
  if (execution.verdict !== 'PASSED' && execution.verdict !== 'FAILED') score = Math.min(score, INCONCLUSIVE_CAP);
  if (execution.status === 'FAILED') score = Math.min(score, INCONCLUSIVE_CAP);
  if (execution.verdict === 'FAILED') score = Math.min(score, FAILED_CAP);
  return score;
};

/**
 * The score of a game-day run: the mean of its executions' scores, rounded, an execution
 * without a score (REJECTED, dry run, not final) counting as 0. A run without executions: null.
 */
export const gameDayScore = (scores: readonly (number | null)[]): number | null =>
  scores.length === 0 ? null : Math.round(scores.reduce<number>((sum, s) => sum + (s ?? 0), 0) / scores.length);

/** A score as the CLI shows it: "—" when there is none. */
export const formatScore = (score: number | null): string => (score === null ? '—' : String(score));

const BARS = '▁▂▃▄▅▆▇█';

/** A sparkline of scores, oldest first: one bar per score, a space where there is none. */
export const sparkline = (scores: readonly (number | null)[]): string =>
  scores.map((s) => (s === null ? ' ' : BARS[Math.min(BARS.length - 1, Math.floor((s / 100) * BARS.length))])).join('');
