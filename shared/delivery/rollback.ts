import type { EventOf, ExperimentCompleted } from '../../events';
import { isFinal } from '../domain/execution';
import type { BusEntry } from '../ports';
import { bindingOfStage } from './bindings';
import type {
  ExecutionRepository,
  JournalRepository,
  RecordRepository,
  TemplateRepository,
} from '../store/execution-store';
import { RECORDS, type DeliveryDependencies } from './dependencies';
import { clip, LIMITS } from './pipeline-control';
import type { PipelineStartedRecord } from './trigger';

/** JSON with object keys sorted: the same document whatever order the table returned its keys in. */
const canonical = (value: unknown): string =>
  JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        )
      : v,
  );

const PHASE = 'pipelineRollback';

/**
 * What the rollback works with: the stored execution, the trigger's records, the stored template,
 * the execution's journal, and CodePipeline.
 */
export type RollbackDependencies = {
  store: ExecutionRepository & RecordRepository & TemplateRepository & JournalRepository;
} & Pick<DeliveryDependencies, 'clock' | 'pipelines'>;

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
 *
 * The event is only a hint: anyone allowed to publish on the bus may announce anything, or
 * request an experiment with any trigger and an inline template binding any pipeline. So the
 * execution as stored decides (final, not PASSED, not a dry run), it must be one the pipeline
 * trigger planned for that very pipeline, stage and pipeline execution (`RECORDS.pipelineStarted`),
 * and the binding is read from the stored template version the trigger started, never from a
 * template the request carried. Anything else is refused and the refusal journaled.
 */
export const reactToVerdict = async (
  event: EventOf<typeof ExperimentCompleted>,
  deps: RollbackDependencies,
): Promise<BusEntry[]> => {
  const { store, pipelines, clock } = deps;
  const announced = event.detail;
  if (announced.trigger.type !== 'pipeline' || !announced.trigger.pipeline || announced.verdict === 'PASSED') return [];
  const journal = (
    action: string,
    outcome: 'ok' | 'failed' | 'skipped' | 'duplicate',
    detail: Record<string, unknown>,
    error?: string,
  ) => store.journal(announced.executionId, { phase: PHASE, action, outcome, detail, ...(error ? { error } : {}) });

  if (announced.trigger.pipeline.jobId) {
    await journal('onFailure', 'skipped', {
      reason: 'started by the pipeline gate, which fails its job',
      jobId: announced.trigger.pipeline.jobId,
    });
    return [];
  }

  // Anyone allowed to publish on the bus can announce anything: what the store holds decides.
  const execution = await store.getExecution(announced.executionId);
  if (!execution) return [];
  const refuse = async (reason: string, extra: Record<string, unknown> = {}) => {
    await journal('onFailure', 'skipped', { reason, ...extra });
    return [];
  };
  const source = execution.trigger.pipeline;
  if (execution.trigger.type !== 'pipeline' || !source || source.jobId)
    return refuse('the execution was not started by a pipeline stage');
  if (!isFinal(execution.status) || !execution.verdict)
    return refuse(`the execution is not final (${execution.status})`);
  if (execution.verdict === 'PASSED') return refuse('the execution PASSED');
  if (execution.dryRun)
    return refuse('a dry run never acts on a pipeline', { pipeline: source.name, stage: source.stage });

  // Only an execution the pipeline trigger itself planned for this very pipeline run may act on
  // it: an ExperimentRequested anyone publishes (inline template, any trigger) has no such record.
  const started = await store.getRecord<PipelineStartedRecord>(RECORDS.pipelineStarted, execution.executionId);
  if (
    !started ||
    started.pipeline !== source.name ||
    started.stage !== source.stage ||
    started.pipelineExecutionId !== source.executionId ||
    started.experimentId !== execution.experimentId ||
    started.templateVersion !== execution.templateVersion
  ) {
    return refuse('the pipeline trigger did not start this execution for this pipeline run', {
      pipeline: source.name,
      stage: source.stage,
      pipelineExecutionId: source.executionId,
    });
  }

  // The binding of the STORED (reviewed) template version the trigger started, and the
  // execution must have run that very template.
  const template = await store.getTemplate(started.experimentId, started.templateVersion);
  if (!template) return refuse(`no stored template ${started.experimentId} version ${started.templateVersion}`);
  if (!execution.template || canonical(execution.template) !== canonical(template)) {
    return refuse(
      `the execution did not run the stored template ${started.experimentId} version ${started.templateVersion}`,
    );
  }
  const result = {
    executionId: execution.executionId,
    experimentId: execution.experimentId,
    verdict: execution.verdict,
    status: execution.status,
  };
  const binding = bindingOfStage(template, source.name, source.stage);
  const onFailure = binding?.onFailure ?? 'none';
  if (onFailure === 'none') {
    await journal('onFailure', 'skipped', {
      onFailure,
      verdict: result.verdict,
      pipeline: source.name,
      stage: source.stage,
    });
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
      await journal(onFailure, 'duplicate', {
        reason: `already asked for by execution ${first?.executionId}`,
        pipelineRun: reactionId,
      });
      return [];
    }
    // A retry of this very event after a failed call: ask again.
  }

  const why = `faultline: ${result.experimentId} ${result.verdict} (${result.status}) [${result.executionId}]`;
  try {
    if (onFailure === 'rollback-stage') {
      const target = await pipelines.lastGoodExecution({
        pipelineName: source.name,
        stageName: source.stage,
        excluding: source.executionId,
      });
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
      const request = {
        pipelineName: source.name,
        pipelineExecutionId: source.executionId,
        abandon: false,
        reason: clip(why, LIMITS.stopReason),
      };
      const answer = await pipelines.stopPipelineExecution(request);
      await journal('StopPipelineExecution', 'ok', { request, answer });
    }
  } catch (error) {
    const e = error as Error;
    await journal(
      onFailure === 'rollback-stage' ? 'RollbackStage' : 'StopPipelineExecution',
      'failed',
      { pipelineName: source.name, stageName: source.stage, pipelineExecutionId: source.executionId },
      `${e.name}: ${e.message}`,
    );
    throw error;
  }
  return [];
};
