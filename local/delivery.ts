import { randomUUID } from 'node:crypto';
import { GameDayDue } from '../events';
import { forAtMost, pollUntil } from '../shared/poll';
import { InvalidArgumentError, UnexpectedResponseError, WaitTimeoutError } from '../shared/errors';
import type { BusEvent } from '../shared/ports';
import type { PhaseDependencies } from '../shared/phases/dependencies';
import type { EmbeddedRuntime } from './runtime';
import { silentLogger, type Logger } from '../shared/lambda/logger';
import type { PhaseDefinition } from '../shared/phases/route';
import {
  defaultDeliverySettings,
  RECORDS,
  type DeliveryDependencies,
  type DeliveryExtras,
  type DeliverySettings,
} from '../shared/delivery/dependencies';
import { deliveryDefinitions } from '../shared/delivery/definitions';
import { createPipelineGateHandler, type GateAnswer } from '../shared/delivery/gate';
import { runOutcomes, type GameDayJournalEntry, type GameDayRun } from '../shared/delivery/game-day';
import type { PipelineControl } from '../shared/delivery/pipeline-control';
import { LocalPipelineControl } from './pipeline-control';
import type { DueSuite, Suite } from '../shared/delivery/suite';
import { resolveSuiteFile, resolveSuiteTemplates } from '../shared/delivery/suite-file';

/**
 * The delivery flows on one machine: the same functions on the embedded runtime, CodePipeline's
 * side played by `runPipelineJob` (which invokes the gate as CodePipeline does) and
 * `deliverPipelineEvent`, and the game-day runner the CLI calls.
 */

/** Delivery extras for the embedded runtime: the local CodePipeline adapter unless one is given. */
export const localDeliveryExtras = (
  options: { pipelines?: PipelineControl; delivery?: Partial<DeliverySettings> } = {},
): DeliveryExtras => ({
  pipelines: options.pipelines ?? new LocalPipelineControl(),
  delivery: defaultDeliverySettings(options.delivery),
});

/**
 * The EventBridge-invoked delivery functions, for `EmbeddedRuntime.start({ functions })`: they
 * run on the runtime's bus with the rules serverless.yml gives them.
 */
export const deliveryFunctions = (
  extras: DeliveryExtras,
): Record<string, (deps: PhaseDependencies) => PhaseDefinition> => {
  const definitions = deliveryDefinitions(extras);
  return Object.fromEntries(
    Object.entries(definitions).map(([name, definition]) => [name, () => definition as PhaseDefinition]),
  );
};

/**
 * Puts a CodePipeline state-change event, exactly as AWS sends it, on the runtime's default bus
 * (the pipeline trigger's rule decides whether it matches), and waits until the bus is idle.
 */
export const deliverPipelineEvent = async (runtime: EmbeddedRuntime, event: BusEvent): Promise<void> => {
  if (event.source !== 'aws.codepipeline')
    throw new InvalidArgumentError(`not a CodePipeline event: source ${event.source}`);
  runtime.deliverAwsEvent(structuredClone(event));
  await runtime.bus.idle();
};

interface PipelineJobRun {
  /** The answer that ended the job. */
  final: GateAnswer;
  /** Every answer, in order (waiting ones first). */
  answers: GateAnswer[];
  /** How many times the gate was invoked. */
  invocations: number;
}

/**
 * Plays CodePipeline for an Invoke action: invokes the gate with the job, and while the gate
 * answers "in progress" invokes it again after `pollMs` with a new job id and the continuation
 * token, as CodePipeline does, until the gate ends the job (or `maxInvocations`, a guard).
 */
export const runPipelineJob = async (
  runtime: EmbeddedRuntime,
  job: unknown,
  options: { extras: DeliveryExtras; pollMs?: number; maxInvocations?: number; logger?: Logger },
): Promise<PipelineJobRun> => {
  const deps: DeliveryDependencies = { ...runtime.deps, ...options.extras };
  const answers: GateAnswer[] = [];
  const record = (answer: GateAnswer) => answers.push(answer);
  const gate = createPipelineGateHandler(
    { ...deps, pipelines: recordingControl(deps.pipelines, record) },
    options.logger ?? silentLogger,
  );
  let current = job;
  const maxInvocations = options.maxInvocations ?? 10_000;
  for (let invocation = 1; invocation <= maxInvocations; invocation++) {
    await gate(current, {} as never);
    const last = answers[answers.length - 1];
    if (!last) throw new UnexpectedResponseError('the gate answered nothing');
    if (last.kind !== 'waiting') return { final: last, answers, invocations: invocation };
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 50));
    current = continuationJob(current, last.request.continuationToken!);
  }
  throw new WaitTimeoutError(`the gate was still waiting after ${maxInvocations} invocations`);
};

/** The job CodePipeline sends after an "in progress" answer: a new id, the token in `data`. */
const continuationJob = (job: unknown, token: string): unknown => {
  const copy = structuredClone(job) as { 'CodePipeline.job': { id: string; data: Record<string, unknown> } };
  copy['CodePipeline.job'].id = randomUUID();
  copy['CodePipeline.job'].data.continuationToken = token;
  return copy;
};

const recordingControl = (inner: PipelineControl, record: (answer: GateAnswer) => void): PipelineControl => ({
  putJobSuccess: async (request) => {
    await inner.putJobSuccess(request);
    record({ kind: request.continuationToken ? 'waiting' : 'passed', request });
  },
  putJobFailure: async (request) => {
    await inner.putJobFailure(request);
    record({ kind: 'failed', request });
  },
  rollbackStage: (request) => inner.rollbackStage(request),
  stopPipelineExecution: (request) => inner.stopPipelineExecution(request),
  lastGoodExecution: (request) => inner.lastGoodExecution(request),
});

interface GameDaySummary {
  runId: string;
  suite: string;
  status: 'COMPLETED' | 'SKIPPED';
  /** Why a skipped run did not start. */
  reason?: string;
  verdict?: 'PASSED' | 'FAILED' | 'INCONCLUSIVE';
  executions: Array<{
    executionId: string;
    experimentId: string;
    status?: string;
    verdict?: string;
    reasons?: string[];
  }>;
  journal: GameDayJournalEntry[];
}

interface RunGameDayOptions {
  /** `ignore` runs outside allowed hours (blackout windows still apply). Default: `check`. */
  hours?: 'check' | 'ignore';
  /** Bounded wait for the whole run. Default 30 minutes. */
  timeoutMs?: number;
  runId?: string;
  requestedBy?: string;
}

/**
 * Runs a game-day suite now on the embedded runtime (whose functions include the delivery ones:
 * `EmbeddedRuntime.start({ functions: deliveryFunctions(localDeliveryExtras()) })`): publishes
 * GameDayDue as its schedule would, and waits until the run is skipped or every execution is
 * final. Template paths in a suite file are read relative to it; ids name stored templates.
 */
export const runGameDay = async (
  runtime: EmbeddedRuntime,
  suite: string | Suite | DueSuite,
  options: RunGameDayOptions = {},
): Promise<GameDaySummary> => {
  const due: DueSuite =
    typeof suite === 'string' ? resolveSuiteFile(suite) : resolveSuiteTemplates(suite as Suite, process.cwd());
  const runId = options.runId ?? randomUUID();
  const { allowedHours: _ignored, ...withoutHours } = due;
  await runtime.bus.publish([
    GameDayDue.entry({
      suite: options.hours === 'ignore' ? withoutHours : due,
      dueAt: runtime.deps.clock.now().toISOString(),
      runId,
      requestedBy: options.requestedBy ?? 'local game-day runner',
    }),
  ]);
  let seen = false;
  const { value: record } = await pollUntil(
    forAtMost(options.timeoutMs ?? 30 * 60_000, 25),
    async () => {
      const found = await runtime.store.getRecord<GameDayRun & Record<string, unknown>>(RECORDS.gameDayRun, runId);
      if (found) seen = true;
      return found;
    },
    (found) => found?.status === 'SKIPPED' || found?.status === 'COMPLETED',
  );
  if (!record || (record.status !== 'SKIPPED' && record.status !== 'COMPLETED')) {
    throw new WaitTimeoutError(
      seen
        ? `game day ${due.name} (run ${runId}) not finished after ${options.timeoutMs ?? 30 * 60_000} ms`
        : `game day ${due.name} never started: is the gameDay function registered (EmbeddedRuntime.start({ functions: deliveryFunctions(...) }))?`,
    );
  }
  await runtime.bus.idle();
  const outcomes = runOutcomes(record);
  return {
    runId,
    suite: record.suite,
    status: record.status,
    ...(record.reason ? { reason: record.reason } : {}),
    ...(record.verdict ? { verdict: record.verdict } : {}),
    executions: record.executions.map((e) => ({
      executionId: e.executionId,
      experimentId: e.experimentId,
      ...outcomes.get(e.executionId),
    })),
    journal: record.journal,
  };
};
