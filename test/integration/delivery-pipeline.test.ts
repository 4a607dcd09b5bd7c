import { RECORDS } from '../../shared/delivery/dependencies';
import { deliverPipelineEvent } from '../../local/delivery';
import type { BusEvent } from '../../shared/ports';
import {
  awsFixture,
  boundTemplate,
  requestsSeen,
  stageEvent,
  startDeliveryRuntime,
  storeTemplates,
  waitFor,
  type DeliveryTestRuntime,
} from '../support/delivery';
import { awsFixtureNames } from '../support/fixtures';

// Whole experiments run on the embedded runtime: bounded at 60 s, not jest's 5 s (a loaded machine).
jest.setTimeout(60_000);

/** The pipeline execution id of every CodePipeline fixture. */
const DEPLOYED_BY = '12345678-1234-5678-abcd-12345678abcd';
/** An earlier execution that succeeded in the stage: what a rollback goes back to. */
const LAST_GOOD = '0a1b2c3d-0000-4000-8000-00000000beef';

const executionsOf = async (t: DeliveryTestRuntime, experimentId: string) =>
  t.runtime.store.executionsOfExperiment(experimentId);

describe('pipeline trigger: CodePipeline state changes start the bound experiments', () => {
  let t: DeliveryTestRuntime;
  beforeEach(async () => {
    t = await startDeliveryRuntime();
    await storeTemplates(
      t,
      boundTemplate('prod-latency', [{ pipeline: 'myPipeline', stage: 'Prod' }]),
      boundTemplate('prod-dependency', [{ pipeline: 'myPipeline', stage: 'Prod' }], {}, 'local:dependency'),
      boundTemplate('source-check', [{ pipeline: 'myPipeline', stage: 'Source', action: 'Source' }]),
      boundTemplate('other-pipeline', [{ pipeline: 'otherPipeline', stage: 'Prod' }]),
    );
  });
  afterEach(async () => {
    await t.runtime.stop();
  });

  it('a bound stage SUCCEEDED starts exactly the templates bound to that stage, the pipeline execution in their trigger', async () => {
    const requested = requestsSeen(t);
    await deliverPipelineEvent(t.runtime, stageEvent('SUCCEEDED'));

    expect(requested.map((r) => r.experimentId).sort()).toEqual(['prod-dependency', 'prod-latency']);
    for (const r of requested) {
      expect(r.trigger).toEqual({
        type: 'pipeline',
        reference: `myPipeline#Prod#${DEPLOYED_BY}`,
        pipeline: { name: 'myPipeline', stage: 'Prod', executionId: DEPLOYED_BY },
      });
      expect(r.templateVersion).toBe(1);
    }
    const [id] = await executionsOf(t, 'prod-latency');
    const final = await t.runtime.waitForFinal(id!);
    expect(final).toMatchObject({
      status: 'COMPLETED',
      verdict: 'PASSED',
      trigger: { type: 'pipeline', pipeline: { executionId: DEPLOYED_BY } },
    });
  });

  it('the documented action SUCCEEDED event starts the templates bound to that action, and only those', async () => {
    const requested = requestsSeen(t);
    const event = awsFixture<BusEvent>('codepipeline-action-execution-state-change.succeeded.json');
    await deliverPipelineEvent(t.runtime, event);

    expect(requested.map((r) => r.experimentId)).toEqual(['source-check']);
    expect(requested[0]!.trigger).toMatchObject({
      type: 'pipeline',
      pipeline: {
        name: 'myPipeline',
        stage: 'Source',
        executionId: DEPLOYED_BY,
        actionExecutionId: '47f821c5-a902-44b2-ae61-b878d31ecd21',
      },
    });
  });

  it.each(awsFixtureNames(/^codepipeline-.*state-change\.(started|stopped|failed)\.json$/))(
    '%s (a run that did not finish deploying) starts nothing',
    async (file) => {
      const requested = requestsSeen(t);
      await deliverPipelineEvent(t.runtime, awsFixture<BusEvent>(file));
      expect(requested).toEqual([]);
      expect(t.runtime.bus.deadLetters).toEqual([]);
    },
  );

  it('a duplicated event, or the same run announced again by another event, starts the experiments once', async () => {
    const requested = requestsSeen(t);
    await deliverPipelineEvent(t.runtime, stageEvent('SUCCEEDED'));
    await deliverPipelineEvent(t.runtime, stageEvent('SUCCEEDED'));
    await deliverPipelineEvent(t.runtime, stageEvent('SUCCEEDED', { id: 'another-delivery-of-the-same-run' }));

    expect(requested.map((r) => r.experimentId).sort()).toEqual(['prod-dependency', 'prod-latency']);
    expect(await executionsOf(t, 'prod-latency')).toHaveLength(1);
    const [id] = await executionsOf(t, 'prod-latency');
    await t.runtime.waitForFinal(id!);
    const journal = await t.runtime.store.readJournal(id!);
    expect(journal).toContainEqual(expect.objectContaining({ phase: 'pipelineTrigger', outcome: 'duplicate' }));
    expect(await t.runtime.store.getRecord(RECORDS.pipelineRun, `myPipeline#Prod#STAGE#${DEPLOYED_BY}`)).toMatchObject({
      eventId: '01234567-EXAMPLE',
    });
  });

  it('templates bound to a stage and to one of its actions each start once in the same pipeline execution', async () => {
    await storeTemplates(t, boundTemplate('source-stage', [{ pipeline: 'myPipeline', stage: 'Source' }]));
    const requested = requestsSeen(t);
    const actionEvent = (id: string) => ({
      ...awsFixture<BusEvent>('codepipeline-action-execution-state-change.succeeded.json'),
      id,
    });
    const sourceStageEvent = (id: string) => {
      const event = stageEvent('SUCCEEDED', { id });
      (event.detail as Record<string, unknown>).stage = 'Source';
      return event;
    };
    // The action finishes first (its event takes no key of the stage's), then the stage; both
    // are delivered twice, and announced again under another id.
    await deliverPipelineEvent(t.runtime, actionEvent('action-event'));
    await deliverPipelineEvent(t.runtime, actionEvent('action-event'));
    await deliverPipelineEvent(t.runtime, sourceStageEvent('stage-event'));
    await deliverPipelineEvent(t.runtime, sourceStageEvent('stage-event'));
    await deliverPipelineEvent(t.runtime, actionEvent('action-event-again'));
    await deliverPipelineEvent(t.runtime, sourceStageEvent('stage-event-again'));

    expect(requested.map((r) => r.experimentId).sort()).toEqual(['source-check', 'source-stage']);
    expect(await executionsOf(t, 'source-check')).toHaveLength(1);
    expect(await executionsOf(t, 'source-stage')).toHaveLength(1);
    expect(
      await t.runtime.store.getRecord(RECORDS.pipelineRun, `myPipeline#Source#action:Source#${DEPLOYED_BY}`),
    ).toMatchObject({ eventId: 'action-event' });
    expect(
      await t.runtime.store.getRecord(RECORDS.pipelineRun, `myPipeline#Source#STAGE#${DEPLOYED_BY}`),
    ).toMatchObject({ eventId: 'stage-event' });
    for (const r of requested)
      expect(r.trigger).toMatchObject({
        type: 'pipeline',
        reference: `myPipeline#Source#${DEPLOYED_BY}`,
        pipeline: { name: 'myPipeline', stage: 'Source', executionId: DEPLOYED_BY },
      });
    for (const experimentId of ['source-check', 'source-stage']) {
      const [id] = await executionsOf(t, experimentId);
      await t.runtime.waitForFinal(id!);
    }
  });

  it('a new execution of the same pipeline starts them again', async () => {
    const requested = requestsSeen(t);
    await deliverPipelineEvent(t.runtime, stageEvent('SUCCEEDED'));
    const next = stageEvent('SUCCEEDED', { id: 'next-run' });
    (next.detail as Record<string, unknown>)['execution-id'] = '22222222-2222-4222-8222-222222222222';
    await deliverPipelineEvent(t.runtime, next);
    expect(requested.filter((r) => r.experimentId === 'prod-latency')).toHaveLength(2);
  });

  it('an event from another account is refused and dead-lettered, starting nothing', async () => {
    const requested = requestsSeen(t);
    await deliverPipelineEvent(t.runtime, stageEvent('SUCCEEDED', { account: '999999999999' }));
    expect(requested).toEqual([]);
    expect(t.runtime.bus.deadLetters.map((d) => d.error.name)).toEqual(['ForgedEventError']);
  });
});

describe('a failed verdict acts on the pipeline as the binding says', () => {
  let t: DeliveryTestRuntime;
  beforeEach(async () => {
    t = await startDeliveryRuntime();
    t.pipelines.succeeded('myPipeline', 'Prod', LAST_GOOD);
    t.pipelines.succeeded('myPipeline', 'Prod', DEPLOYED_BY);
    t.metrics.figures = { availabilityPercent: 80, latencyMs: { p50: 20, p95: 50, p99: 80 }, requests: 100 };
  });
  afterEach(async () => {
    await t.runtime.stop();
  });

  const runFailing = async (...ids: string[]) => {
    await deliverPipelineEvent(t.runtime, stageEvent('SUCCEEDED'));
    const executions = [];
    for (const id of ids) {
      const [executionId] = await executionsOf(t, id);
      executions.push(await t.runtime.waitForFinal(executionId!));
    }
    await t.runtime.bus.idle();
    return executions;
  };

  it('rollback-stage: RollbackStage of the stage that deployed, back to the last execution that succeeded in it, journaled', async () => {
    await storeTemplates(
      t,
      boundTemplate('prod-latency', [{ pipeline: 'myPipeline', stage: 'Prod', onFailure: 'rollback-stage' }]),
    );
    const [final] = await runFailing('prod-latency');
    expect(final).toMatchObject({ verdict: 'FAILED' });

    expect(t.pipelines.calls).toEqual([
      {
        call: 'RollbackStage',
        input: { pipelineName: 'myPipeline', stageName: 'Prod', targetPipelineExecutionId: LAST_GOOD },
      },
    ]);
    expect(t.printed).toEqual([
      `[codepipeline] RollbackStage {"pipelineName":"myPipeline","stageName":"Prod","targetPipelineExecutionId":"${LAST_GOOD}"}`,
    ]);
    const journal = await t.runtime.store.readJournal(final!.executionId);
    expect(journal).toContainEqual(
      expect.objectContaining({
        phase: 'pipelineRollback',
        action: 'RollbackStage',
        outcome: 'ok',
        detail: {
          request: { pipelineName: 'myPipeline', stageName: 'Prod', targetPipelineExecutionId: LAST_GOOD },
          rollingBackFrom: DEPLOYED_BY,
          answer: { pipelineExecutionId: LAST_GOOD },
        },
      }),
    );
  });

  it('two failed experiments of the same pipeline run roll the stage back once', async () => {
    await storeTemplates(
      t,
      boundTemplate('prod-latency', [{ pipeline: 'myPipeline', stage: 'Prod', onFailure: 'rollback-stage' }]),
      boundTemplate(
        'prod-dependency',
        [{ pipeline: 'myPipeline', stage: 'Prod', onFailure: 'rollback-stage' }],
        {},
        'local:dependency',
      ),
    );
    await runFailing('prod-latency', 'prod-dependency');
    expect(t.pipelines.calls.map((c) => c.call)).toEqual(['RollbackStage']);
  });

  it('stop-pipeline: StopPipelineExecution of the run that deployed, not abandoning, with the reason', async () => {
    await storeTemplates(
      t,
      boundTemplate('prod-latency', [{ pipeline: 'myPipeline', stage: 'Prod', onFailure: 'stop-pipeline' }]),
    );
    const [final] = await runFailing('prod-latency');
    expect(t.pipelines.calls).toEqual([
      {
        call: 'StopPipelineExecution',
        input: {
          pipelineName: 'myPipeline',
          pipelineExecutionId: DEPLOYED_BY,
          abandon: false,
          reason: `faultline: prod-latency FAILED (COMPLETED) [${final!.executionId}]`,
        },
      },
    ]);
  });

  it('onFailure none, or a PASSED verdict, leaves the pipeline alone', async () => {
    await storeTemplates(
      t,
      boundTemplate('prod-latency', [{ pipeline: 'myPipeline', stage: 'Prod', onFailure: 'none' }]),
    );
    const [final] = await runFailing('prod-latency');
    expect(t.pipelines.calls).toEqual([]);
    expect(await t.runtime.store.readJournal(final!.executionId)).toContainEqual(
      expect.objectContaining({ phase: 'pipelineRollback', outcome: 'skipped' }),
    );
  });

  it('with no earlier good execution to go back to, nothing is rolled back and the journal says why', async () => {
    t.pipelines.history.clear();
    await storeTemplates(
      t,
      boundTemplate('prod-latency', [{ pipeline: 'myPipeline', stage: 'Prod', onFailure: 'rollback-stage' }]),
    );
    const [final] = await runFailing('prod-latency');
    expect(t.pipelines.calls).toEqual([]);
    expect(await t.runtime.store.readJournal(final!.executionId)).toContainEqual(
      expect.objectContaining({
        action: 'RollbackStage',
        outcome: 'failed',
        detail: expect.objectContaining({ reason: expect.stringContaining('nothing to roll back to') }),
      }),
    );
  });

  it('a CodePipeline error is journaled and the event retried, then dead-lettered', async () => {
    const failing = await startDeliveryRuntime({
      pipelines: {
        ...t.pipelines,
        putJobSuccess: async () => {},
        putJobFailure: async () => {},
        stopPipelineExecution: async () => ({}),
        lastGoodExecution: async () => LAST_GOOD,
        rollbackStage: async () => {
          throw Object.assign(new Error('the pipeline is busy'), { name: 'ConflictException' });
        },
      },
    });
    try {
      failing.metrics.figures = t.metrics.figures;
      await storeTemplates(
        failing,
        boundTemplate('prod-latency', [{ pipeline: 'myPipeline', stage: 'Prod', onFailure: 'rollback-stage' }]),
      );
      await deliverPipelineEvent(failing.runtime, stageEvent('SUCCEEDED'));
      const [id] = await failing.runtime.store.executionsOfExperiment('prod-latency');
      await failing.runtime.waitForFinal(id!);
      await waitFor(() => failing.runtime.bus.deadLetters.length > 0);
      expect(failing.runtime.bus.deadLetters.map((d) => [d.functionName, d.error.name])).toEqual([
        ['pipelineRollback', 'ConflictException'],
      ]);
      const journal = await failing.runtime.store.readJournal(id!);
      expect(
        journal.filter((j) => j.action === 'RollbackStage' && j.outcome === 'failed').length,
      ).toBeGreaterThanOrEqual(1);
      expect(journal).toContainEqual(expect.objectContaining({ error: 'ConflictException: the pipeline is busy' }));
    } finally {
      await failing.runtime.stop();
    }
  });
});
