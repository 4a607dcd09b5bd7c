import {
  CodePipelineClient,
  ListPipelineExecutionsCommand,
  PutJobFailureResultCommand,
  PutJobSuccessResultCommand,
  RollbackStageCommand,
  StopPipelineExecutionCommand,
} from '@aws-sdk/client-codepipeline';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { loadDeliverySettings } from '../../shared/lambda/aws-root';
import { AwsPipelineControl } from '../../shared/delivery/pipeline-control';

const codePipeline = mockClient(CodePipelineClient);

describe('AwsPipelineControl: CodePipeline at the AWS edge', () => {
  let control: AwsPipelineControl;
  beforeEach(() => {
    codePipeline.reset();
    control = new AwsPipelineControl(new CodePipelineClient({ region: 'us-east-1' }));
  });

  it('PutJobSuccessResult and PutJobFailureResult are sent exactly as given', async () => {
    codePipeline.on(PutJobSuccessResultCommand).resolves({});
    codePipeline.on(PutJobFailureResultCommand).resolves({});
    await control.putJobSuccess({ jobId: 'job-1', continuationToken: 'job-1' });
    await control.putJobFailure({
      jobId: 'job-2',
      failureDetails: { type: 'JobFailed', message: 'no', externalExecutionId: 'job-1' },
    });
    expect(codePipeline).toHaveReceivedCommandWith(PutJobSuccessResultCommand, {
      jobId: 'job-1',
      continuationToken: 'job-1',
    });
    expect(codePipeline.commandCalls(PutJobFailureResultCommand)[0]!.args[0].input).toEqual({
      jobId: 'job-2',
      failureDetails: { type: 'JobFailed', message: 'no', externalExecutionId: 'job-1' },
    });
  });

  it('RollbackStage and StopPipelineExecution: exact inputs, the new execution id returned', async () => {
    codePipeline.on(RollbackStageCommand).resolves({ pipelineExecutionId: 'rb-1' });
    codePipeline.on(StopPipelineExecutionCommand).resolves({ pipelineExecutionId: 'exec-1' });
    expect(
      await control.rollbackStage({
        pipelineName: 'checkout',
        stageName: 'Deploy',
        targetPipelineExecutionId: 'good-1',
      }),
    ).toEqual({ pipelineExecutionId: 'rb-1' });
    expect(
      await control.stopPipelineExecution({
        pipelineName: 'checkout',
        pipelineExecutionId: 'exec-1',
        abandon: false,
        reason: 'r',
      }),
    ).toEqual({ pipelineExecutionId: 'exec-1' });
    expect(codePipeline.commandCalls(RollbackStageCommand)[0]!.args[0].input).toEqual({
      pipelineName: 'checkout',
      stageName: 'Deploy',
      targetPipelineExecutionId: 'good-1',
    });
    expect(codePipeline.commandCalls(StopPipelineExecutionCommand)[0]!.args[0].input).toEqual({
      pipelineName: 'checkout',
      pipelineExecutionId: 'exec-1',
      abandon: false,
      reason: 'r',
    });
  });

  it('the rollback target is the newest execution that succeeded in the stage, neither the one that deployed nor a rollback', async () => {
    codePipeline
      .on(ListPipelineExecutionsCommand)
      .resolvesOnce({
        pipelineExecutionSummaries: [
          { pipelineExecutionId: 'deployed-bad', executionType: 'STANDARD' },
          { pipelineExecutionId: 'a-rollback', executionType: 'ROLLBACK' },
        ],
        nextToken: 'page-2',
      })
      .resolvesOnce({
        pipelineExecutionSummaries: [
          { pipelineExecutionId: 'good-1', executionType: 'STANDARD' },
          { pipelineExecutionId: 'good-0' },
        ],
      });
    expect(
      await control.lastGoodExecution({ pipelineName: 'checkout', stageName: 'Deploy', excluding: 'deployed-bad' }),
    ).toBe('good-1');
    expect(codePipeline.commandCalls(ListPipelineExecutionsCommand).map((c) => c.args[0].input)).toEqual([
      { pipelineName: 'checkout', filter: { succeededInStage: { stageName: 'Deploy' } }, maxResults: 100 },
      {
        pipelineName: 'checkout',
        filter: { succeededInStage: { stageName: 'Deploy' } },
        maxResults: 100,
        nextToken: 'page-2',
      },
    ]);
  });

  it('no earlier good execution: undefined', async () => {
    codePipeline
      .on(ListPipelineExecutionsCommand)
      .resolves({ pipelineExecutionSummaries: [{ pipelineExecutionId: 'deployed-bad' }] });
    expect(
      await control.lastGoodExecution({ pipelineName: 'checkout', stageName: 'Deploy', excluding: 'deployed-bad' }),
    ).toBeUndefined();
  });
});

describe('delivery settings from the environment', () => {
  it('GATE_MAX_WAIT: default PT1H, an ISO duration, at most 23 hours', () => {
    expect(loadDeliverySettings({}).gateMaxWaitMs).toBe(3_600_000);
    expect(loadDeliverySettings({ GATE_MAX_WAIT: 'PT45M' }).gateMaxWaitMs).toBe(2_700_000);
    expect(() => loadDeliverySettings({ GATE_MAX_WAIT: 'an hour' })).toThrow(/invalid GATE_MAX_WAIT/);
    expect(() => loadDeliverySettings({ GATE_MAX_WAIT: 'PT30H' })).toThrow(/longer than 23 hours/);
  });
});
