import { ExperimentCompleted, ExperimentRequested } from '../../events';
import { RECORDS } from '../../shared/delivery/dependencies';
import { deliverPipelineEvent } from '../../local/delivery';
import type { Trigger } from '../../shared/domain/execution';
import {
  boundTemplate,
  stageEvent,
  startDeliveryRuntime,
  storeTemplates,
  type DeliveryTestRuntime,
} from '../support/delivery';

// Whole experiments run on the embedded runtime: bounded at 60 s, not jest's 5 s (a loaded machine).
jest.setTimeout(60_000);

/**
 * Issue 9, item 9: whoever may publish ExperimentRequested could stop any team's pipeline. The
 * trigger and the template's bindings were free input; a dry run with an inline template bound to
 * another team's pipeline made faultline call StopPipelineExecution on it. The promise: faultline
 * acts on a pipeline only for an execution its pipeline trigger started for that very pipeline,
 * stage and pipeline execution, with the binding of the STORED template version, and never for a
 * dry run.
 */

/** Another team's pipeline and the run it is deploying. */
const VICTIM = { name: 'payments', stage: 'Prod', executionId: '77777777-7777-4777-8777-777777777777' };
const VICTIM_LAST_GOOD = '66666666-6666-4666-8666-666666666666';
/** The pipeline execution id of every CodePipeline fixture, and an earlier good one. */
const DEPLOYED_BY = '12345678-1234-5678-abcd-12345678abcd';
const LAST_GOOD = '0a1b2c3d-0000-4000-8000-00000000beef';

const failingFigures = { availabilityPercent: 80, latencyMs: { p50: 20, p95: 50, p99: 80 }, requests: 100 };

const pipelineTrigger = (pipeline: typeof VICTIM): Trigger => ({
  type: 'pipeline',
  reference: `${pipeline.name}#${pipeline.stage}#${pipeline.executionId}`,
  pipeline: { ...pipeline },
});

describe('faultline acts on a pipeline only for executions its pipeline trigger started', () => {
  let t: DeliveryTestRuntime;
  beforeEach(async () => {
    t = await startDeliveryRuntime();
    t.pipelines.succeeded(VICTIM.name, VICTIM.stage, VICTIM_LAST_GOOD);
    t.pipelines.succeeded('myPipeline', 'Prod', LAST_GOOD);
    t.pipelines.succeeded('myPipeline', 'Prod', DEPLOYED_BY);
    t.metrics.figures = failingFigures;
  });
  afterEach(async () => {
    await t.runtime.stop();
  });

  const rollbackJournal = async (executionId: string) =>
    (await t.runtime.store.readJournal(executionId)).filter((j) => j.phase === 'pipelineRollback');

  it.each([
    { dryRun: true, onFailure: 'stop-pipeline' as const },
    { dryRun: false, onFailure: 'stop-pipeline' as const },
    { dryRun: true, onFailure: 'rollback-stage' as const },
    { dryRun: false, onFailure: 'rollback-stage' as const },
  ])(
    "an ExperimentRequested with an inline template bound to another team's pipeline (dryRun $dryRun, $onFailure) never acts on that pipeline",
    async ({ dryRun, onFailure }) => {
      const inline = boundTemplate('attacker-inline', [{ pipeline: VICTIM.name, stage: VICTIM.stage, onFailure }]);
      const executionId = await t.runtime.requestExperiment(inline, { dryRun, trigger: pipelineTrigger(VICTIM) });
      const final = await t.runtime.waitForFinal(executionId);
      await t.runtime.bus.idle();

      expect(final.verdict).not.toBe('PASSED');
      expect(t.pipelines.calls).toEqual([]);
      expect(await rollbackJournal(executionId)).toContainEqual(
        expect.objectContaining({ action: 'onFailure', outcome: 'skipped' }),
      );
    },
  );

  it('a request for a stored template that binds the pipeline, but that the pipeline trigger did not start, never acts on the pipeline', async () => {
    await storeTemplates(
      t,
      boundTemplate('payments-latency', [{ pipeline: VICTIM.name, stage: VICTIM.stage, onFailure: 'stop-pipeline' }]),
    );
    const executionId = 'aaaaaaaa-0000-4000-8000-000000000001';
    await t.runtime.bus.publish([
      ExperimentRequested.entry({
        executionId,
        experimentId: 'payments-latency',
        templateVersion: 1,
        dryRun: false,
        trigger: pipelineTrigger(VICTIM),
        environment: 'local',
        requestedAt: t.runtime.deps.clock.now().toISOString(),
      }),
    ]);
    const final = await t.runtime.waitForFinal(executionId);
    await t.runtime.bus.idle();

    expect(final.verdict).toBe('FAILED');
    expect(t.pipelines.calls).toEqual([]);
    expect(await rollbackJournal(executionId)).toContainEqual(
      expect.objectContaining({
        action: 'onFailure',
        outcome: 'skipped',
        detail: expect.objectContaining({ reason: expect.stringContaining('pipeline trigger') }),
      }),
    );
  });

  it('an ExperimentCompleted announcing a failed pipeline execution that does not exist acts on nothing', async () => {
    await storeTemplates(
      t,
      boundTemplate('payments-latency', [{ pipeline: VICTIM.name, stage: VICTIM.stage, onFailure: 'stop-pipeline' }]),
    );
    const now = t.runtime.deps.clock.now().toISOString();
    await t.runtime.bus.publish([
      ExperimentCompleted.entry({
        ...ExperimentCompleted.fixture,
        executionId: 'bbbbbbbb-0000-4000-8000-000000000002',
        experimentId: 'payments-latency',
        templateVersion: 1,
        status: 'COMPLETED',
        verdict: 'FAILED',
        dryRun: false,
        trigger: pipelineTrigger(VICTIM),
        requestedAt: now,
        completedAt: now,
      } as never),
    ]);
    await t.runtime.bus.idle();
    expect(t.pipelines.calls).toEqual([]);
  });

  it('a failing execution the pipeline trigger started still rolls its stage back, and only once', async () => {
    await storeTemplates(
      t,
      boundTemplate('prod-latency', [{ pipeline: 'myPipeline', stage: 'Prod', onFailure: 'rollback-stage' }]),
    );
    await deliverPipelineEvent(t.runtime, stageEvent('SUCCEEDED'));
    const [executionId] = await t.runtime.store.executionsOfExperiment('prod-latency');
    const final = await t.runtime.waitForFinal(executionId!);
    await t.runtime.bus.idle();

    expect(final).toMatchObject({ verdict: 'FAILED', dryRun: false });
    expect(t.pipelines.calls).toEqual([
      {
        call: 'RollbackStage',
        input: { pipelineName: 'myPipeline', stageName: 'Prod', targetPipelineExecutionId: LAST_GOOD },
      },
    ]);
    expect(await t.runtime.store.getRecord(RECORDS.pipelineRun, `myPipeline#Prod#STAGE#${DEPLOYED_BY}`)).toMatchObject({
      executions: [expect.objectContaining({ executionId, experimentId: 'prod-latency', templateVersion: 1 })],
    });
    expect(await rollbackJournal(executionId!)).toContainEqual(
      expect.objectContaining({ action: 'RollbackStage', outcome: 'ok' }),
    );
  });
});
