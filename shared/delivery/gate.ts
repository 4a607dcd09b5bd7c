import middy from '@middy/core';
import { randomUUID } from 'node:crypto';
import * as z from 'zod';
import { ExperimentRequested } from '../../events';
import { isFinal, type Execution, type Trigger } from '../domain/execution';
import { parseDurationMs } from '../domain/duration';
import { ForgedEventError, FaultlineError, MalformedEventError, formatProblems, type Problem } from '../errors';
import { createLogger, type Logger } from '../lambda/logger';
import type { ExecutionRepository, RecordRepository, TemplateRepository } from '../store/execution-store';
import { boundTemplates } from './bindings';
import { RECORDS, type DeliveryDependencies } from './dependencies';
import { clip, LIMITS, type FailureType, type JobFailure, type JobSuccess } from './pipeline-control';
import { problemsFrom } from '../problems';

/**
 * The pipeline gate: a CodePipeline Invoke (Lambda) action. The first invocation starts the
 * experiments and answers "in progress" (PutJobSuccessResult with a continuation token);
 * CodePipeline invokes it again with the token until the gate ends the job: success when every
 * verdict is PASSED, failure otherwise, or when the experiments outlive the gate's maximum wait.
 *
 * The job carries temporary credentials (`artifactCredentials`): the schema below does not keep
 * them, and nothing here logs or stores the job as it came.
 */

/** The job as the gate reads it. Unknown keys (artifacts, credentials) are dropped by parsing. */
const pipelineJobSchema = z.object({
  'CodePipeline.job': z.object({
    id: z.string().min(1).max(512),
    accountId: z.string().regex(/^\d{12}$/, 'a 12-digit account id'),
    data: z.object({
      actionConfiguration: z.object({
        configuration: z.object({ FunctionName: z.string().min(1), UserParameters: z.string().max(1000).optional() }),
      }),
      continuationToken: z.string().min(1).max(2048).optional(),
    }),
  }),
});

type PipelineJob = z.output<typeof pipelineJobSchema>['CodePipeline.job'];

const PIPELINE_EXECUTION_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * UserParameters, a JSON object: `templates` (stored template ids) and/or `pipeline` + `stage`
 * (the templates bound to that stage); `pipelineExecutionId` (use the variable
 * `#{codepipeline.PipelineExecutionId}`) lets a failed verdict be traced to the run that deployed;
 * `maxWait` (ISO-8601) overrides the gate's default wait, up to its limit.
 */
const gateParametersSchema = z
  .object({
    templates: z
      .array(z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'a template id'))
      .min(1)
      .max(20)
      .optional(),
    pipeline: z.string().min(1).max(100).optional(),
    stage: z.string().min(1).max(100).optional(),
    pipelineExecutionId: z
      .string()
      .regex(PIPELINE_EXECUTION_ID, 'a pipeline execution id: use #{codepipeline.PipelineExecutionId}')
      .optional(),
    maxWait: z
      .string()
      .refine((v) => (parseDurationMs(v) ?? 0) > 0, { message: 'an ISO-8601 duration (PT45M)' })
      .optional(),
    dryRun: z.boolean().optional(),
  })
  .strict()
  .refine((p) => p.templates !== undefined || (p.pipeline !== undefined && p.stage !== undefined), {
    message: 'name "templates", or "pipeline" and "stage" (the templates bound to that stage)',
  })
  .refine((p) => (p.pipeline === undefined) === (p.stage === undefined), {
    message: '"pipeline" and "stage" go together',
  });

type GateParameters = z.output<typeof gateParametersSchema>;

const jobIdOf = (raw: unknown): string | undefined => {
  const id = (raw as { 'CodePipeline.job'?: { id?: unknown } } | undefined)?.['CodePipeline.job']?.id;
  return typeof id === 'string' && id.length > 0 && id.length <= 512 ? id : undefined;
};

/** Validates an Invoke-action event; MalformedEventError names paths only, never values. */
const parsePipelineJob = (raw: unknown, account: string): PipelineJob => {
  const result = pipelineJobSchema.safeParse(raw);
  if (!result.success) {
    throw new MalformedEventError('CodePipeline.job', problemsFrom(result.error));
  }
  const job = result.data['CodePipeline.job'];
  if (job.accountId !== account)
    throw new ForgedEventError('CodePipeline.job', `account ${job.accountId} is not this stack's account`);
  return job;
};

/** UserParameters that do not satisfy the gate: the job fails as a ConfigurationError. */
class InvalidGateParametersError extends FaultlineError {
  constructor(readonly problems: readonly Problem[]) {
    super(`invalid UserParameters: ${formatProblems(problems)}`);
  }
}

const parseGateParameters = (text: string | undefined): GateParameters => {
  let doc: unknown;
  try {
    doc = JSON.parse(text ?? '');
  } catch {
    throw new InvalidGateParametersError([
      {
        path: '',
        message:
          'not a JSON object (e.g. {"pipeline":"checkout","stage":"Deploy","pipelineExecutionId":"#{codepipeline.PipelineExecutionId}"})',
      },
    ]);
  }
  const result = gateParametersSchema.safeParse(doc);
  if (!result.success) {
    throw new InvalidGateParametersError(problemsFrom(result.error));
  }
  return result.data;
};

/** What the gate told CodePipeline. */
export type GateAnswer =
  | { kind: 'waiting'; request: JobSuccess }
  | { kind: 'passed'; request: JobSuccess }
  | { kind: 'failed'; request: JobFailure };

interface GateRun {
  gateId: string;
  startedAt: string;
  deadline: string;
  maxWait: string;
  executions: Array<{ executionId: string; experimentId: string; templateVersion?: number }>;
  trigger: Trigger;
  dryRun: boolean;
  requested: boolean;
}

const fail = (jobId: string, type: FailureType, message: string, externalExecutionId?: string): JobFailure => ({
  jobId,
  failureDetails: {
    type,
    message: clip(message, LIMITS.failureMessage),
    ...(externalExecutionId ? { externalExecutionId } : {}),
  },
});

const formatWait = (ms: number): string => {
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = s % 60;
  return `PT${h ? `${h}H` : ''}${m ? `${m}M` : ''}${rest || (!h && !m) ? `${rest}S` : ''}`;
};

/**
 * What one invocation of the gate works with: its gate run record, the stored (and bound) templates,
 * the executions it judges, the bus it requests them on, and CodePipeline.
 */
export type GateDependencies = {
  store: RecordRepository & TemplateRepository & ExecutionRepository;
} & Pick<DeliveryDependencies, 'clock' | 'delivery' | 'publisher' | 'pipelines'>;

/** Starts the gate run of a first invocation (or finds it again on a retried invocation). */
const startGateRun = async (
  job: PipelineJob,
  deps: { store: RecordRepository & TemplateRepository } & Pick<DeliveryDependencies, 'clock' | 'delivery'>,
): Promise<GateRun | JobFailure> => {
  const { store, clock, delivery } = deps;
  let params: GateParameters;
  try {
    params = parseGateParameters(job.data.actionConfiguration.configuration.UserParameters);
  } catch (error) {
    if (error instanceof InvalidGateParametersError)
      return fail(job.id, 'ConfigurationError', `faultline gate: ${error.message}`);
    throw error;
  }
  const maxWaitMs = params.maxWait ? parseDurationMs(params.maxWait)! : delivery.gateMaxWaitMs;
  if (maxWaitMs > delivery.gateMaxWaitLimitMs) {
    return fail(
      job.id,
      'ConfigurationError',
      `faultline gate: maxWait ${params.maxWait} is longer than the gate's limit ${formatWait(delivery.gateMaxWaitLimitMs)} (CodePipeline fails the action after 24 hours)`,
    );
  }

  const existing = await store.getRecord<GateRun>(RECORDS.gate, job.id);
  if (existing) return existing;

  const templates: Array<{ id: string; version?: number }> = [];
  if (params.templates) {
    for (const id of params.templates) {
      const stored = await store.getTemplate(id);
      // A template that is not stored is still requested: prepare rejects it, visibly.
      templates.push({ id, ...(stored ? { version: stored.version } : {}) });
    }
  } else {
    for (const { template } of await boundTemplates(
      store,
      { pipeline: params.pipeline!, stage: params.stage! },
      { anyAction: true },
    )) {
      templates.push({ id: template.id, version: template.version });
    }
  }
  if (templates.length === 0) {
    return fail(
      job.id,
      'ConfigurationError',
      `faultline gate: no template is bound to pipeline ${params.pipeline} stage ${params.stage}, and UserParameters name none`,
    );
  }

  const now = clock.now();
  const trigger: Trigger = {
    type: 'pipeline',
    reference: `codepipeline-job:${job.id}`,
    ...(params.pipeline && params.stage && params.pipelineExecutionId
      ? {
          pipeline: {
            name: params.pipeline,
            stage: params.stage,
            executionId: params.pipelineExecutionId,
            jobId: job.id,
          },
        }
      : {}),
  };
  const run: GateRun = {
    gateId: job.id,
    startedAt: now.toISOString(),
    deadline: new Date(now.getTime() + maxWaitMs).toISOString(),
    maxWait: params.maxWait ?? formatWait(maxWaitMs),
    executions: templates.map((t) => ({
      executionId: randomUUID(),
      experimentId: t.id,
      ...(t.version ? { templateVersion: t.version } : {}),
    })),
    trigger,
    dryRun: params.dryRun ?? false,
    requested: false,
  };
  if (!(await store.putRecordOnce(RECORDS.gate, job.id, run as unknown as Record<string, unknown>))) {
    return (await store.getRecord<GateRun>(RECORDS.gate, job.id))!;
  }
  return run;
};

const describe = (e: GateRun['executions'][number], execution: Execution | undefined): string => {
  if (!execution) return `${e.experimentId}: not started yet [${e.executionId}]`;
  if (!isFinal(execution.status)) return `${e.experimentId}: still ${execution.status} [${e.executionId}]`;
  const reasons = (execution.reasons ?? []).join('; ');
  return `${e.experimentId}: ${execution.verdict ?? 'INCONCLUSIVE'} (${execution.status})${reasons ? ` - ${reasons}` : ''} [${e.executionId}]`;
};

/** Judges the gate run now: passed, failed, or still waiting. */
const judgeGateRun = async (
  jobId: string,
  run: GateRun,
  deps: { store: Pick<ExecutionRepository, 'getExecution'> } & Pick<DeliveryDependencies, 'clock'>,
): Promise<GateAnswer> => {
  const executions = await Promise.all(
    run.executions.map(async (e) => ({ e, execution: await deps.store.getExecution(e.executionId) })),
  );
  const final = executions.filter(({ execution }) => execution && isFinal(execution.status));
  if (final.length === executions.length) {
    const notPassed = executions.filter(({ execution }) => execution!.verdict !== 'PASSED');
    if (notPassed.length === 0) {
      const summary = `faultline: ${executions.length} experiment${executions.length > 1 ? 's' : ''} PASSED (${executions.map(({ e }) => e.experimentId).join(', ')})`;
      return {
        kind: 'passed',
        request: {
          jobId,
          executionDetails: {
            summary: clip(summary, LIMITS.summary),
            externalExecutionId: run.gateId,
            percentComplete: 100,
          },
        },
      };
    }
    const message = [
      `faultline: ${notPassed.length} of ${executions.length} experiment${executions.length > 1 ? 's' : ''} did not pass.`,
      ...notPassed.map(({ e, execution }) => describe(e, execution)),
      ...executions
        .filter(({ execution }) => execution!.verdict === 'PASSED')
        .map(({ e, execution }) => describe(e, execution)),
    ].join('\n');
    return { kind: 'failed', request: fail(jobId, 'JobFailed', message, run.gateId) };
  }
  if (deps.clock.now().getTime() >= Date.parse(run.deadline)) {
    const pending = executions.filter(({ execution }) => !execution || !isFinal(execution.status));
    const message = [
      `faultline: no result within ${run.maxWait} (the gate's maximum wait): ${pending.length} of ${executions.length} experiment${executions.length > 1 ? 's' : ''} not finished.`,
      ...executions.map(({ e, execution }) => describe(e, execution)),
      'The experiments go on and publish ExperimentCompleted; the pipeline is not held longer.',
    ].join('\n');
    return { kind: 'failed', request: fail(jobId, 'JobFailed', message, run.gateId) };
  }
  const percent = Math.min(99, Math.floor((final.length / executions.length) * 100));
  return {
    kind: 'waiting',
    request: {
      jobId,
      continuationToken: run.gateId,
      executionDetails: {
        summary: clip(
          `faultline: ${final.length} of ${executions.length} experiments finished; waiting until ${run.deadline}`,
          LIMITS.summary,
        ),
        externalExecutionId: run.gateId,
        percentComplete: percent,
      },
    },
  };
};

/**
 * One invocation of the gate: start (first job) or look again (continuation), then answer
 * CodePipeline through the PipelineControl port. Returns the answer it gave.
 */
const runPipelineGate = async (job: PipelineJob, deps: GateDependencies): Promise<GateAnswer> => {
  let run: GateRun | JobFailure;
  const token = job.data.continuationToken;
  if (token) {
    const found = await deps.store.getRecord<GateRun>(RECORDS.gate, token);
    run =
      found ??
      fail(
        job.id,
        'JobFailed',
        `faultline gate: unknown continuation token: no gate run ${clip(token, 200)} in this stack's table`,
      );
  } else {
    run = await startGateRun(job, deps);
  }
  if ('failureDetails' in run) {
    await deps.pipelines.putJobFailure(run);
    return { kind: 'failed', request: run };
  }
  if (!run.requested) {
    const requestedAt = deps.clock.now().toISOString();
    await deps.publisher.publish(
      run.executions.map((e) =>
        ExperimentRequested.entry({
          executionId: e.executionId,
          experimentId: e.experimentId,
          ...(e.templateVersion ? { templateVersion: e.templateVersion } : {}),
          dryRun: run.dryRun,
          trigger: run.trigger,
          requestedAt,
        }),
      ),
    );
    // Each execution's trigger names the job (prepare journals it); a retried first invocation
    // publishes the same requests again, and prepare creates each execution once.
    await deps.store.updateRecord(RECORDS.gate, run.gateId, { requested: true });
  }
  const answer = await judgeGateRun(job.id, run, deps);
  if (answer.kind === 'failed') await deps.pipelines.putJobFailure(answer.request);
  else await deps.pipelines.putJobSuccess(answer.request);
  return answer;
};

/** What the gate's handler works with: one invocation's collaborators, and the account whose jobs it trusts. */
type GateHandlerDependencies = GateDependencies & Pick<DeliveryDependencies, 'settings'>;

type GateDependencySource = GateHandlerDependencies | (() => GateHandlerDependencies);

/**
 * The gate as a Lambda handler (direct invoke by CodePipeline, not an EventBridge target). Logs
 * the job id and the gate's own fields only. An unusable job with an id is failed at once (the
 * pipeline must not wait 20 minutes to learn it); an internal error fails the job with its name
 * and message; only an error reporting to CodePipeline is rethrown, so that Lambda retries.
 */
export const createPipelineGateHandler = (
  source: GateDependencySource,
  logger: Logger = createLogger('pipelineGate'),
) => {
  let resolved: GateHandlerDependencies | undefined;
  const dependencies = () => (resolved ??= typeof source === 'function' ? source() : source);

  const handle = async (raw: unknown): Promise<{ jobId: string; answer: GateAnswer['kind'] }> => {
    const deps = dependencies();
    let job: PipelineJob;
    try {
      job = parsePipelineJob(raw, deps.settings.account);
    } catch (error) {
      const jobId = jobIdOf(raw);
      const problems = error instanceof MalformedEventError ? error.problems : undefined;
      logger.error('job refused', {
        jobId,
        error: (error as Error).message,
        name: (error as Error).name,
        ...(problems ? { problems } : {}),
      });
      if (jobId && error instanceof MalformedEventError) {
        const request = fail(jobId, 'ConfigurationError', `faultline gate: ${error.message}`);
        await deps.pipelines.putJobFailure(request);
        return { jobId, answer: 'failed' };
      }
      throw error;
    }
    logger.info('job received', { jobId: job.id, continuation: job.data.continuationToken !== undefined });
    let answer: GateAnswer;
    try {
      answer = await runPipelineGate(job, deps);
    } catch (error) {
      logger.error('gate failed', { jobId: job.id, error: (error as Error).message, name: (error as Error).name });
      await deps.pipelines.putJobFailure(
        fail(job.id, 'JobFailed', `faultline gate error: ${(error as Error).name}: ${(error as Error).message}`),
      );
      return { jobId: job.id, answer: 'failed' };
    }
    logger.info('job answered', {
      jobId: job.id,
      answer: answer.kind,
      ...(answer.kind === 'failed' ? { failureType: answer.request.failureDetails.type } : {}),
    });
    return { jobId: job.id, answer: answer.kind };
  };

  return middy(handle);
};
