import type { EventOf, ExperimentCompleted } from '../../events';
import type { BusEntry } from '../ports';
import { bindingOfStage } from './bindings';
import { RECORDS, type DeliveryDependencies } from './dependencies';
import { clip, LIMITS } from './pipeline-control';

const PHASE = 'pipelineRollback';

/**
 * ExperimentCompleted with a verdict other than PASSED, for an execution a pipeline stage
 * started → what its binding's `onFailure` says: RollbackStage (back to the newest earlier
 * execution that succeeded in the stage: RollbackStage's target is where the stage goes back
 * TO, not the run that deployed), StopPipelineExecution of the run that deployed, or nothing.
 * Once per pipeline run and stage, however many of its experiments fail. The call and its
 * answer (or error) are journaled on the execution; a CodePipeline error is rethrown, so the
 * event is retried and, in the end, dead-lettered.
 *
 * Executions started by the pipeline gate are left to the gate: it fails its job, which fails
 * the action and so the stage.
 */
export const reactToVerdict = async (event: EventOf<typeof ExperimentCompleted>, deps: DeliveryDependencies): Promise<BusEntry[]> => {
  const { store, pipelines, clock } = deps;
  const result = event.detail;
  const source = result.trigger.pipeline;
  if (result.trigger.type !== 'pipeline' || !source || result.verdict === 'PASSED') return [];
  const journal = (action: string, outcome: 'ok' | 'failed' | 'skipped' | 'duplicate', detail: Record<string, unknown>, error?: string) =>
    store.journal(result.executionId, { phase: PHASE, action, outcome, detail, ...(error ? { error } : {}) });

  if (source.jobId) {
    await journal('onFailure', 'skipped', { reason: 'started by the pipeline gate, which fails its job', jobId: source.jobId });
    return [];
  }
  const execution = await store.getExecution(result.executionId);
  const template = execution?.template ?? (await store.getTemplate(result.experimentId, result.templateVersion));
  const binding = bindingOfStage(template, source.name, source.stage);
  const onFailure = binding?.onFailure ?? 'none';
  if (onFailure === 'none') {
    await journal('onFailure', 'skipped', { onFailure, verdict: result.verdict, pipeline: source.name, stage: source.stage });
    return [];
  }

  const reactionId = `${source.name}#${source.stage}#${source.executionId}`;
  const claimed = await store.putRecordOnce(RECORDS.pipelineReaction, reactionId, {
    executionId: result.executionId,
    onFailure,
    at: clock.now().toISOString(),
  });
  if (!claimed) {
    const first = await store.getRecord<{ executionId: string }>(RECORDS.pipelineReaction, reactionId);
    if (first?.executionId !== result.executionId) {
      await journal(onFailure, 'duplicate', { reason: `already asked for by execution ${first?.executionId}`, pipelineRun: reactionId });
      return [];
    }
    // A retry of this very event after a failed call: ask again.
  }

  const why = `faultline: ${result.experimentId} ${result.verdict} (${result.status}) [${result.executionId}]`;
  try {
    if (onFailure === 'rollback-stage') {
      const target = await pipelines.lastGoodExecution({ pipelineName: source.name, stageName: source.stage, excluding: source.executionId });
      if (!target) {
        await journal('RollbackStage', 'failed', {
          pipelineName: source.name,
          stageName: source.stage,
          rollingBackFrom: source.executionId,
          reason: 'no earlier execution succeeded in this stage: nothing to roll back to',
        });
        return [];
      }
      const request = { pipelineName: source.name, stageName: source.stage, targetPipelineExecutionId: target };
      const answer = await pipelines.rollbackStage(request);
      await journal('RollbackStage', 'ok', { request, rollingBackFrom: source.executionId, answer });
    } else {
      const request = { pipelineName: source.name, pipelineExecutionId: source.executionId, abandon: false, reason: clip(why, LIMITS.stopReason) };
      const answer = await pipelines.stopPipelineExecution(request);
      await journal('StopPipelineExecution', 'ok', { request, answer });
    }
  } catch (error) {
    const e = error as Error;
    await journal(onFailure === 'rollback-stage' ? 'RollbackStage' : 'StopPipelineExecution', 'failed', { pipelineName: source.name, stageName: source.stage, pipelineExecutionId: source.executionId }, `${e.name}: ${e.message}`);
    throw error;
  }
  return [];
};
