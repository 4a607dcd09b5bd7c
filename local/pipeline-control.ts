import type {
  JobFailure,
  JobSuccess,
  PipelineControl,
  RollbackStageRequest,
  StopPipelineRequest,
} from '../shared/delivery/pipeline-control';

type PipelineCall =
  | { call: 'PutJobSuccessResult'; input: JobSuccess }
  | { call: 'PutJobFailureResult'; input: JobFailure }
  | { call: 'RollbackStage'; input: RollbackStageRequest }
  | { call: 'StopPipelineExecution'; input: StopPipelineRequest };

/**
 * The local adapter: records every call (tests and the CLI read `calls`) and prints one line per
 * call. `history` plays the pipeline's execution history for rollbacks: newest first, per stage.
 */
export class LocalPipelineControl implements PipelineControl {
  readonly calls: PipelineCall[] = [];
  /** Per `<pipeline>/<stage>`: executions that succeeded in the stage, newest first. */
  readonly history = new Map<string, string[]>();

  constructor(private readonly print: (line: string) => void = (line) => process.stdout.write(`${line}\n`)) {}

  async putJobSuccess(input: JobSuccess): Promise<void> {
    this.record({ call: 'PutJobSuccessResult', input });
  }

  async putJobFailure(input: JobFailure): Promise<void> {
    this.record({ call: 'PutJobFailureResult', input });
  }

  async rollbackStage(input: RollbackStageRequest): Promise<{ pipelineExecutionId?: string }> {
    this.record({ call: 'RollbackStage', input });
    return { pipelineExecutionId: input.targetPipelineExecutionId };
  }

  async stopPipelineExecution(input: StopPipelineRequest): Promise<{ pipelineExecutionId?: string }> {
    this.record({ call: 'StopPipelineExecution', input });
    return { pipelineExecutionId: input.pipelineExecutionId };
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
    return (this.history.get(`${pipelineName}/${stageName}`) ?? []).find((id) => id !== excluding);
  }

  /** Records that an execution succeeded in a stage (what CodePipeline's history would show). */
  succeeded(pipelineName: string, stageName: string, pipelineExecutionId: string): void {
    const key = `${pipelineName}/${stageName}`;
    this.history.set(key, [
      pipelineExecutionId,
      ...(this.history.get(key) ?? []).filter((id) => id !== pipelineExecutionId),
    ]);
  }

  private record(call: PipelineCall): void {
    this.calls.push(structuredClone(call));
    this.print(`[codepipeline] ${call.call} ${JSON.stringify(call.input)}`);
  }
}
