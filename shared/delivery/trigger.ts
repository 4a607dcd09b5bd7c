import { randomUUID } from 'node:crypto';
import {
  CodePipelineActionExecutionStateChange,
  ExperimentRequested,
  type CodePipelineStageExecutionStateChange,
  type EventOf,
} from '../../events';
import type { Trigger } from '../domain/execution';
import type { BusEntry } from '../ports';
import { boundTemplates } from './bindings';
import type {
  ExecutionRepository,
  JournalRepository,
  RecordRepository,
  TemplateRepository,
} from '../store/execution-store';
import { RECORDS, type DeliveryDependencies } from './dependencies';

const PHASE = 'pipelineTrigger';

/**
 * What the trigger works with: its run records, the bound templates, and the executions a
 * duplicate is journaled on.
 */
export type TriggerDependencies = {
  store: RecordRepository & TemplateRepository & ExecutionRepository & JournalRepository;
} & Pick<DeliveryDependencies, 'clock'>;

/** The state that starts bound experiments: the deployment of the stage (or action) finished. */
const STARTING_STATE = 'SUCCEEDED';

interface PlannedExecution {
  executionId: string;
  experimentId: string;
  templateVersion: number;
}

/** What the trigger records for each execution it starts (`RECORDS.pipelineStarted`, by execution id). */
export interface PipelineStartedRecord extends PlannedExecution {
  pipeline: string;
  stage: string;
  /** The pipeline execution that deployed. */
  pipelineExecutionId: string;
  /** The run key of the PIPELINE_RUN record that planned it. */
  runKey: string;
}

interface PipelineRunRecord {
  eventId: string;
  executions: PlannedExecution[];
}

/**
 * The key that starts a pipeline run's experiments once: `<pipeline>#<stage>#STAGE#<execution id>`
 * for the stage's own event, `<pipeline>#<stage>#action:<action>#<execution id>` for an action's
 * (CodePipeline names have no `#` or `:`, so the two never meet).
 */
const runKey = (run: { pipeline: string; stage: string; action?: string; executionId: string }): string =>
  `${run.pipeline}#${run.stage}#${run.action ? `action:${run.action}` : 'STAGE'}#${run.executionId}`;

type PipelineEvent =
  | EventOf<typeof CodePipelineStageExecutionStateChange>
  | EventOf<typeof CodePipelineActionExecutionStateChange>;

/**
 * A stage (or action) of a pipeline SUCCEEDED → ExperimentRequested for each template bound to it,
 * once per pipeline execution: a conditional put on the run key (`runKey`) decides, so a duplicated
 * event, or the same stage (or action) of the run announced again, starts nothing more. Stage and
 * action events of one run have keys of their own: the templates bound to the whole stage and those
 * bound to one of its actions each start once. The pipeline execution id rides in each execution's
 * trigger (rollback needs it).
 */
export const startPipelineExperiments = async (
  event: PipelineEvent,
  deps: TriggerDependencies,
): Promise<BusEntry[]> => {
  const { store, clock } = deps;
  const detail = event.detail;
  if (detail.state !== STARTING_STATE) return [];
  const action =
    event['detail-type'] === CodePipelineActionExecutionStateChange.detailType
      ? (detail as { action: string }).action
      : undefined;
  const bound = await boundTemplates(store, {
    pipeline: detail.pipeline,
    stage: detail.stage,
    ...(action ? { action } : {}),
  });
  if (bound.length === 0) return [];

  const pipelineRun = `${detail.pipeline}#${detail.stage}#${detail['execution-id']}`;
  const runId = runKey({
    pipeline: detail.pipeline,
    stage: detail.stage,
    executionId: detail['execution-id'],
    ...(action ? { action } : {}),
  });
  const planned: PlannedExecution[] = bound.map(({ template }) => ({
    executionId: randomUUID(),
    experimentId: template.id,
    templateVersion: template.version,
  }));
  let executions = planned;
  const created = await store.putRecordOnce(RECORDS.pipelineRun, runId, {
    eventId: event.id,
    detailType: event['detail-type'],
    ...(action ? { action } : {}),
    executions: planned,
    at: clock.now().toISOString(),
  });
  if (!created) {
    const record = await store.getRecord<PipelineRunRecord>(RECORDS.pipelineRun, runId);
    if (!record || record.eventId !== event.id) {
      for (const e of record?.executions ?? []) {
        if (await store.getExecution(e.executionId)) {
          await store.journal(e.executionId, {
            phase: PHASE,
            action: event['detail-type'],
            outcome: 'duplicate',
            detail: { eventId: event.id, pipelineRun: runId, ...(action ? { pipelineAction: action } : {}) },
          });
        }
      }
      return [];
    }
    // The same event again after an attempt that stopped halfway: request the same executions
    // (prepare creates each execution once, so nothing starts twice).
    executions = record.executions;
  }

  // Before anything is requested: the proof, for the rollback, that the trigger started these
  // executions for this pipeline, stage and pipeline execution, with these stored templates.
  for (const e of executions) {
    const started: PipelineStartedRecord = {
      ...e,
      pipeline: detail.pipeline,
      stage: detail.stage,
      pipelineExecutionId: detail['execution-id'],
      runKey: runId,
    };
    await store.putRecordOnce(RECORDS.pipelineStarted, e.executionId, { ...started });
  }

  const trigger: Trigger = {
    type: 'pipeline',
    reference: pipelineRun,
    pipeline: {
      name: detail.pipeline,
      stage: detail.stage,
      executionId: detail['execution-id'],
      ...(action && (detail as { 'action-execution-id'?: string })['action-execution-id']
        ? { actionExecutionId: (detail as { 'action-execution-id'?: string })['action-execution-id']! }
        : {}),
    },
  };
  const requestedAt = clock.now().toISOString();
  return executions.map((e) =>
    ExperimentRequested.entry({
      executionId: e.executionId,
      experimentId: e.experimentId,
      templateVersion: e.templateVersion,
      dryRun: false,
      trigger,
      requestedAt,
    }),
  );
};
