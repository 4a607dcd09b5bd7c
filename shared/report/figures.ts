import type { Execution, FaultRecord } from '../domain/execution';
import type { CompletionFigures } from './ports';

/**
 * What one finished execution says about faultline's own operation, for the operational metrics
 * (README "Deploy to AWS", the dashboard):
 *
 * - the verdict (INCONCLUSIVE when none was given);
 * - alarm → revert: seconds from the stop-condition alarm that stopped the run (`safety.at`, when
 *   `safety.source` is `alarm`) to the latest `revertedAt` of its faults; null when no alarm stopped
 *   it, when nothing was reverted, or when the revert is dated before the alarm (a fault the planned
 *   revert had already undone);
 * - failed reverts: the faults left REVERT_FAILED, and whether the execution ended ROLLBACK_FAILED.
 */
export const completionFigures = (execution: Execution, faults: readonly FaultRecord[]): CompletionFigures => {
  const alarmAt = execution.safety.source === 'alarm' && execution.safety.at ? Date.parse(execution.safety.at) : NaN;
  const revertedAt = faults
    .map((f) => (f.revertedAt ? Date.parse(f.revertedAt) : NaN))
    .filter((t) => Number.isFinite(t))
    .reduce((latest, t) => Math.max(latest, t), Number.NEGATIVE_INFINITY);
  const seconds = (revertedAt - alarmAt) / 1000;
  return {
    verdict: execution.verdict ?? 'INCONCLUSIVE',
    alarmToRevertSeconds: Number.isFinite(seconds) && seconds >= 0 ? seconds : null,
    failedReverts: faults.filter((f) => f.state === 'REVERT_FAILED').length,
    rollbackFailed: execution.status === 'ROLLBACK_FAILED',
  };
};
