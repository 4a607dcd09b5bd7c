import type { PhaseDependencies } from '../phases/dependencies';
import type { PipelineControl } from './pipeline-control';

/** Settings of the delivery flows, read once at cold start. */
export interface DeliverySettings {
  /** How long the pipeline gate holds a job for its experiments before failing it. */
  gateMaxWaitMs: number;
  /**
   * The most a job's UserParameters may ask for. CodePipeline fails a Lambda invoke action
   * after 24 hours: the gate must answer first, with its own clear message.
   */
  gateMaxWaitLimitMs: number;
  /** A game-day run older than this no longer blocks its suite (a run that never finished). */
  gameDayRunStaleMs: number;
}

export const defaultDeliverySettings = (overrides: Partial<DeliverySettings> = {}): DeliverySettings => ({
  gateMaxWaitMs: 60 * 60_000,
  gateMaxWaitLimitMs: 23 * 60 * 60_000,
  gameDayRunStaleMs: 24 * 60 * 60_000,
  ...overrides,
});

/** What the delivery functions add to the phase functions' collaborators. */
export interface DeliveryExtras {
  pipelines: PipelineControl;
  delivery: DeliverySettings;
}

export type DeliveryDependencies = PhaseDependencies & DeliveryExtras;

/** Record kinds of the delivery flows in the table (keys built by `keys.record`). */
export const RECORDS = {
  /** Template ids bound to `<pipeline>#<stage>` (the binding index). */
  binding: 'PIPELINE_BINDING',
  /** One per `<pipeline>#<stage>#<pipeline execution>`: its experiments were started. */
  pipelineRun: 'PIPELINE_RUN',
  /**
   * One per execution the pipeline trigger planned, by execution id: the pipeline, stage and
   * pipeline execution it was started for, and the stored template version. The rollback acts
   * only on executions that have one (an ExperimentRequested anyone publishes has none).
   */
  pipelineStarted: 'PIPELINE_STARTED',
  /** One per pipeline gate run, by the job id of its first invocation (the continuation token). */
  gate: 'PIPELINE_GATE',
  /** One per `<pipeline>#<stage>#<pipeline execution>`: the rollback or stop was asked for. */
  pipelineReaction: 'PIPELINE_REACTION',
  /** One per suite: which run holds it. */
  suiteLock: 'GAMEDAY_SUITE',
  /** One per game-day run (skipped ones too, with the reason). */
  gameDayRun: 'GAMEDAY_RUN',
} as const;
