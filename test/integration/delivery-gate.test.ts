import {
  CodePipelineClient,
  PutJobFailureResultCommand,
  PutJobSuccessResultCommand,
  RollbackStageCommand,
  StopPipelineExecutionCommand,
} from '@aws-sdk/client-codepipeline';
import { mockClient } from 'aws-sdk-client-mock';
import { RECORDS } from '../../shared/delivery/dependencies';
import { createPipelineGateHandler } from '../../shared/delivery/gate';
import { runPipelineJob } from '../../local/delivery';
import { AwsPipelineControl } from '../../shared/delivery/pipeline-control';
import { createLogger } from '../../shared/lambda/logger';
import {
  awsFixture,
  boundTemplate,
  startDeliveryRuntime,
  storeTemplates,
  type DeliveryTestRuntime,
} from '../support/delivery';
import { TestClock, waitFor } from '../support/wait';

// Each test waits for what it expects (bounded by waitFor and waitForFinal); jest's 5 s default
// would instead fail a correct run on a loaded machine.
jest.setTimeout(60_000);

type Job = {
  'CodePipeline.job': {
    id: string;
    accountId: string;
    data: { actionConfiguration: { configuration: { UserParameters?: string } } };
  };
};

const INVOKE_JOB = 'codepipeline-job.lambda-invoke.json';
const JOB_ID = 'c0d76431-b0e7-xmpl-97e3-e8ee786eb6f6';
/** The job CodePipeline sends (the documented one), with UserParameters set for faultline. */
const jobWith = (userParameters: Record<string, unknown>): Job => {
  const job = awsFixture<Job>(INVOKE_JOB);
  job['CodePipeline.job'].data.actionConfiguration.configuration.UserParameters = JSON.stringify(userParameters);
  return job;
};

const codePipeline = mockClient(CodePipelineClient);

describe('pipeline gate: a CodePipeline Invoke action answered through the AWS SDK', () => {
  let t: DeliveryTestRuntime;
  let clock: TestClock;
  beforeEach(async () => {
    codePipeline.reset();
    codePipeline.on(PutJobSuccessResultCommand).resolves({});
    codePipeline.on(PutJobFailureResultCommand).resolves({});
    clock = new TestClock();
    t = await startDeliveryRuntime({
      pipelines: new AwsPipelineControl(new CodePipelineClient({ region: 'us-west-2' })),
      clock,
    });
    await storeTemplates(
      t,
      boundTemplate('prod-latency', [{ pipeline: 'my-pipeline', stage: 'Prod' }]),
      boundTemplate('prod-dependency', [{ pipeline: 'my-pipeline', stage: 'Prod' }], {}, 'local:dependency'),
      // Long enough on the clock that the gate's maximum wait (PT5M, passed by moving the clock) ends first.
      boundTemplate('slow-latency', [], {
        observation: { window: 'PT10M' },
        actions: { slow: { fault: 'network-latency', target: 'web', duration: 'PT15M' } },
      }),
    );
  });
  afterEach(async () => {
    await t.runtime.stop();
  });

  const run = (job: unknown) => runPipelineJob(t.runtime, job, { extras: t.extras, pollMs: 30 });
  const successInputs = () => codePipeline.commandCalls(PutJobSuccessResultCommand).map((c) => c.args[0].input);
  const failureInputs = () => codePipeline.commandCalls(PutJobFailureResultCommand).map((c) => c.args[0].input);
  const gateRun = async () =>
    (await t.runtime.store.getRecord<{ executions: Array<{ executionId: string; experimentId: string }> }>(
      RECORDS.gate,
      JOB_ID,
    ))!;

  it('every verdict PASSED: "in progress" with the continuation token, then PutJobSuccessResult without one', async () => {
    const { final, invocations } = await run(
      jobWith({ pipeline: 'my-pipeline', stage: 'Prod', pipelineExecutionId: '12345678-1234-5678-abcd-12345678abcd' }),
    );

    expect(final.kind).toBe('passed');
    expect(invocations).toBeGreaterThan(1);
    const inputs = successInputs();
    expect(inputs[0]).toEqual({
      jobId: JOB_ID,
      continuationToken: JOB_ID,
      executionDetails: {
        summary: expect.stringMatching(/^faultline: 0 of 2 experiments finished; waiting until /),
        externalExecutionId: JOB_ID,
        percentComplete: 0,
      },
    });
    expect(inputs[inputs.length - 1]).toEqual({
      jobId: expect.not.stringMatching(JOB_ID),
      executionDetails: {
        summary: 'faultline: 2 experiments PASSED (prod-dependency, prod-latency)',
        externalExecutionId: JOB_ID,
        percentComplete: 100,
      },
    });
    expect(failureInputs()).toEqual([]);
    const { executions } = await gateRun();
    for (const e of executions) {
      expect(await t.runtime.store.getExecution(e.executionId)).toMatchObject({
        verdict: 'PASSED',
        trigger: {
          type: 'pipeline',
          reference: `codepipeline-job:${JOB_ID}`,
          pipeline: {
            name: 'my-pipeline',
            stage: 'Prod',
            executionId: '12345678-1234-5678-abcd-12345678abcd',
            jobId: JOB_ID,
          },
        },
      });
    }
  });

  it('a FAILED verdict: PutJobFailureResult JobFailed naming the experiment, its reasons and its execution', async () => {
    t.metrics.figures = { availabilityPercent: 80, latencyMs: { p50: 20, p95: 50, p99: 80 }, requests: 100 };
    const { final } = await run(jobWith({ templates: ['prod-latency'] }));
    const [execution] = (await gateRun()).executions;

    expect(final.kind).toBe('failed');
    expect(failureInputs()).toEqual([
      {
        jobId: expect.any(String),
        failureDetails: {
          type: 'JobFailed',
          message: `faultline: 1 of 1 experiment did not pass.\nprod-latency: FAILED (COMPLETED) - availability: expected >= 99%, got 80% [${execution!.executionId}]`,
          externalExecutionId: JOB_ID,
        },
      },
    ]);
    expect(successInputs().every((i) => i.continuationToken === JOB_ID)).toBe(true);
  });

  it('an INCONCLUSIVE verdict (a dry run) fails the job: unknown is never a pass', async () => {
    const { final } = await run(jobWith({ templates: ['prod-latency'], dryRun: true }));
    const [execution] = (await gateRun()).executions;
    expect(final.kind).toBe('failed');
    expect(failureInputs()).toEqual([
      {
        jobId: expect.any(String),
        failureDetails: {
          type: 'JobFailed',
          message: `faultline: 1 of 1 experiment did not pass.\nprod-latency: INCONCLUSIVE (COMPLETED) - dry run: targets resolved and preflight passed; nothing was injected [${execution!.executionId}]`,
          externalExecutionId: JOB_ID,
        },
      },
    ]);
  });

  it('a REJECTED execution fails the job with the rejection reason; a PASSED one is listed after it', async () => {
    t.alarms.firing.add('local-p95-latency');
    await storeTemplates(t, boundTemplate('no-alarm', [], { stopConditions: [] }, 'local:dependency'));
    const { final } = await run(jobWith({ templates: ['prod-latency', 'no-alarm'] }));
    const [rejected, passed] = (await gateRun()).executions;
    expect(final.kind).toBe('failed');
    expect(failureInputs()[0]!.failureDetails).toEqual({
      type: 'JobFailed',
      message: [
        'faultline: 1 of 2 experiments did not pass.',
        `prod-latency: INCONCLUSIVE (REJECTED) - stop-condition alarm local-p95-latency is already in ALARM [${rejected!.executionId}]`,
        `no-alarm: PASSED (COMPLETED) [${passed!.executionId}]`,
      ].join('\n'),
      externalExecutionId: JOB_ID,
    });
  });

  it('experiments that outlive the gate’s maximum wait fail the job with a clear message', async () => {
    // The gate's clock passes the maximum wait once the experiment is observing, so that the
    // answer names that status however fast the machine got there.
    const running = run(jobWith({ templates: ['slow-latency'], maxWait: 'PT5M' }));
    running.catch(() => undefined); // awaited below; a failure while waiting must not go unhandled
    const observing = async () => {
      const started = (
        await t.runtime.store.getRecord<{ executions: Array<{ executionId: string }> }>(RECORDS.gate, JOB_ID)
      )?.executions[0];
      return started !== undefined && (await t.runtime.store.getExecution(started.executionId))?.status === 'OBSERVING';
    };
    await waitFor(observing, 30_000, 'the experiment to observe');
    clock.advance(5 * 60_000);
    const { final } = await running;
    const [execution] = (await gateRun()).executions;
    expect(final.kind).toBe('failed');
    expect(failureInputs()).toEqual([
      {
        jobId: expect.any(String),
        failureDetails: {
          type: 'JobFailed',
          message: [
            "faultline: no result within PT5M (the gate's maximum wait): 1 of 1 experiment not finished.",
            `slow-latency: still OBSERVING [${execution!.executionId}]`,
            'The experiments go on and publish ExperimentCompleted; the pipeline is not held longer.',
          ].join('\n'),
          externalExecutionId: JOB_ID,
        },
      },
    ]);
  });

  it('the documented job as it comes (UserParameters {"KEY": "VALUE"}) fails at once as a ConfigurationError', async () => {
    const { final, invocations } = await run(awsFixture(INVOKE_JOB));
    expect(invocations).toBe(1);
    expect(final.kind).toBe('failed');
    expect(failureInputs()).toEqual([
      {
        jobId: JOB_ID,
        failureDetails: {
          type: 'ConfigurationError',
          message:
            'faultline gate: invalid UserParameters: unknown key "KEY"; name "templates", or "pipeline" and "stage" (the templates bound to that stage)',
        },
      },
    ]);
    expect(successInputs()).toEqual([]);
  });

  it('a maxWait beyond the limit CodePipeline allows is a ConfigurationError', async () => {
    await run(jobWith({ templates: ['prod-latency'], maxWait: 'PT25H' }));
    expect(failureInputs()[0]!.failureDetails).toEqual({
      type: 'ConfigurationError',
      message:
        "faultline gate: maxWait PT25H is longer than the gate's limit PT23H (CodePipeline fails the action after 24 hours)",
    });
  });

  it('the documented continuation job with a token this stack never gave fails with a clear message', async () => {
    const other = await startDeliveryRuntime({
      account: '111111111111',
      pipelines: new AwsPipelineControl(new CodePipelineClient({ region: 'us-west-2' })),
    });
    try {
      const { final } = await runPipelineJob(
        other.runtime,
        awsFixture('codepipeline-job.lambda-invoke.with-continuation-token-and-encryption-key.json'),
        { extras: other.extras },
      );
      expect(final.kind).toBe('failed');
      expect(failureInputs()).toEqual([
        {
          jobId: '11111111-abcd-1111-abcd-111111abcdef',
          failureDetails: {
            type: 'JobFailed',
            message: "faultline gate: unknown continuation token: no gate run token_ID in this stack's table",
          },
        },
      ]);
    } finally {
      await other.runtime.stop();
    }
  });

  it('never calls RollbackStage or StopPipelineExecution itself', async () => {
    t.metrics.figures = { availabilityPercent: 80 };
    await run(
      jobWith({ pipeline: 'my-pipeline', stage: 'Prod', pipelineExecutionId: '12345678-1234-5678-abcd-12345678abcd' }),
    );
    await t.runtime.bus.idle();
    expect(codePipeline.commandCalls(RollbackStageCommand)).toEqual([]);
    expect(codePipeline.commandCalls(StopPipelineExecutionCommand)).toEqual([]);
  });
});

describe('pipeline gate logs: the job’s artifactCredentials never appear', () => {
  const SECRETS = [
    'AKIAIOSFODNN7EXAMPLE',
    '6CGtmAa3lzWtV7a',
    'IQoJb3JpZ2luX2VjEA',
    'secret_key',
    'session_token',
    'access_key_ID',
  ];

  it.each([
    ['a job that runs to its end', () => jobWith({ templates: ['prod-latency'] })],
    ['a job with unusable UserParameters', () => awsFixture(INVOKE_JOB)],
    [
      'a continuation job with an unknown token',
      () => awsFixture('codepipeline-job.lambda-invoke.with-continuation-token-and-encryption-key.json'),
    ],
    [
      'a malformed job (no accountId)',
      () => {
        const job = awsFixture<Record<string, { accountId?: string }>>(INVOKE_JOB);
        delete job['CodePipeline.job']!.accountId;
        return job;
      },
    ],
  ])('%s', async (_name, makeJob) => {
    const job = makeJob() as { 'CodePipeline.job': { accountId?: string } };
    const t = await startDeliveryRuntime({ account: job['CodePipeline.job'].accountId ?? '123456789012' });
    const lines: string[] = [];
    const stdout = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    const consoles = (['log', 'info', 'warn', 'error', 'debug'] as const).map((m) =>
      jest.spyOn(console, m).mockImplementation((...args: unknown[]) => void lines.push(args.map(String).join(' '))),
    );
    try {
      await storeTemplates(t, boundTemplate('prod-latency', []));
      const logger = createLogger('pipelineGate', { level: 'debug', write: (line) => lines.push(line) });
      const gate = createPipelineGateHandler({ ...t.runtime.deps, ...t.extras }, logger);
      await gate(job, {} as never);
      await t.runtime.bus.idle();

      expect(lines.length).toBeGreaterThan(0);
      expect(
        lines.some(
          (l) =>
            l.includes('c0d76431-b0e7-xmpl-97e3-e8ee786eb6f6') || l.includes('11111111-abcd-1111-abcd-111111abcdef'),
        ),
      ).toBe(true);
      const logged = lines.join('\n');
      for (const secret of SECRETS) expect(logged).not.toContain(secret);
      const stored = JSON.stringify([
        await t.runtime.store.getRecord(RECORDS.gate, 'c0d76431-b0e7-xmpl-97e3-e8ee786eb6f6'),
        t.pipelines.calls,
        t.printed,
      ]);
      for (const secret of SECRETS) expect(stored).not.toContain(secret);
    } finally {
      stdout.mockRestore();
      for (const c of consoles) c.mockRestore();
      await t.runtime.stop();
    }
  });
});
