import {
  ListPipelineExecutionsCommand,
  PutJobFailureResultCommand,
  PutJobSuccessResultCommand,
  RollbackStageCommand,
  StopPipelineExecutionCommand,
  type CodePipelineClient,
} from '@aws-sdk/client-codepipeline';

/**
 * The CodePipeline port of the delivery flows: answer an Invoke action's job, roll a stage back,
 * stop a pipeline execution. The AWS adapter calls CodePipeline; the local adapter records the
 * calls and prints them, so that a run on one machine shows what AWS would have been asked.
 */

export const FAILURE_TYPES = [
  'JobFailed',
  'ConfigurationError',
  'PermissionError',
  'RevisionOutOfSync',
  'RevisionUnavailable',
  'SystemUnavailable',
] as const;
export type FailureType = (typeof FAILURE_TYPES)[number];

export interface JobSuccess {
  jobId: string;
  /** Present while the work goes on: CodePipeline invokes the function again with it. */
  continuationToken?: string;
  executionDetails?: { summary?: string; externalExecutionId?: string; percentComplete?: number };
}

export interface JobFailure {
  jobId: string;
  failureDetails: { type: FailureType; message: string; externalExecutionId?: string };
}

export interface RollbackStageRequest {
  pipelineName: string;
  stageName: string;
  /** The execution to roll the stage back TO (an earlier one that succeeded in the stage). */
  targetPipelineExecutionId: string;
}

export interface StopPipelineRequest {
  pipelineName: string;
  pipelineExecutionId: string;
  abandon: boolean;
  reason: string;
}

export interface PipelineControl {
  putJobSuccess(request: JobSuccess): Promise<void>;
  putJobFailure(request: JobFailure): Promise<void>;
  rollbackStage(request: RollbackStageRequest): Promise<{ pipelineExecutionId?: string }>;
  stopPipelineExecution(request: StopPipelineRequest): Promise<{ pipelineExecutionId?: string }>;
  /**
   * The newest execution, other than `excluding`, that succeeded in the stage and is not itself a
   * rollback (RollbackStage refuses those): what a stage is rolled back to. Undefined when none.
   */
  lastGoodExecution(request: {
    pipelineName: string;
    stageName: string;
    excluding: string;
  }): Promise<string | undefined>;
}

/** CodePipeline limits: failure message 5000, execution summary 2048, reason 200 characters. */
export const LIMITS = { failureMessage: 5000, summary: 2048, stopReason: 200 } as const;

export const clip = (text: string, max: number): string => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);

/** The AWS adapter, on a CodePipelineClient built once per process. */
export class AwsPipelineControl implements PipelineControl {
  constructor(private readonly client: CodePipelineClient) {}

  async putJobSuccess(request: JobSuccess): Promise<void> {
    await this.client.send(new PutJobSuccessResultCommand(request));
  }

  async putJobFailure(request: JobFailure): Promise<void> {
    await this.client.send(new PutJobFailureResultCommand(request));
  }

  async rollbackStage(request: RollbackStageRequest): Promise<{ pipelineExecutionId?: string }> {
    const out = await this.client.send(new RollbackStageCommand(request));
    return out.pipelineExecutionId ? { pipelineExecutionId: out.pipelineExecutionId } : {};
  }

  async stopPipelineExecution(request: StopPipelineRequest): Promise<{ pipelineExecutionId?: string }> {
    const out = await this.client.send(new StopPipelineExecutionCommand(request));
    return out.pipelineExecutionId ? { pipelineExecutionId: out.pipelineExecutionId } : {};
  }

  async lastGoodExecution({
    pipelineName,
    stageName,
    excluding,
  }: {
    pipelineName: string;
    stageName: string;
    excluding: string;
  }): Promise<string | undefined> {
    let nextToken: string | undefined;
    // Newest first; a few pages are plenty (history is kept 12 months, 100 per page).
    for (let page = 0; page < 5; page++) {
      const out = await this.client.send(
        new ListPipelineExecutionsCommand({
          pipelineName,
          filter: { succeededInStage: { stageName } },
          maxResults: 100,
          ...(nextToken ? { nextToken } : {}),
        }),
      );
      const found = (out.pipelineExecutionSummaries ?? []).find(
        (s) => s.pipelineExecutionId && s.pipelineExecutionId !== excluding && s.executionType !== 'ROLLBACK',
      );
      if (found?.pipelineExecutionId) return found.pipelineExecutionId;
      nextToken = out.nextToken;
      if (!nextToken) return undefined;
    }
    return undefined;
  }
}
