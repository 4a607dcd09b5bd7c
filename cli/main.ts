import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ExperimentRequested, SafetyViolated } from '../events';
import { isFinal, leaseKeys, STATUSES, type Execution } from '../shared/domain/execution';
import { actionDurationMs, recoveryTimeoutMs, windowMs, type Template } from '../shared/domain/template';
import { parseTemplateText } from '../shared/domain/template-text';
import { FaultlineError, InvalidTemplateError } from '../shared/errors';
import type { PhaseDependencies } from '../shared/phases/dependencies';
import { recordViolation } from '../shared/phases/finish';
import { newExecutionId } from '../shared/domain/execution';
import { resultDocument } from '../shared/phases/result';
import type { BusEvent } from '../shared/ports';
import { InvalidSuiteError } from '../shared/delivery/suite';
import { resolveSuiteFile } from '../shared/delivery/suite-file';
import { deliverPipelineEvent, localDeliveryExtras, runGameDay, runPipelineJob } from '../local/delivery';
import { storeTemplate } from '../shared/delivery/bindings';
import { LocalPipelineControl } from '../shared/delivery/pipeline-control';
import { awsBackend, localBackend, stackNames, type Backend } from './backend';
import { consoleOutput, journalLine, progressLine, table, type Output } from './display';

const USAGE = `faultline: resiliency experiments as data

usage:
  faultline validate <template>
  faultline run <template> [--local] [--dry-run] [--json] [--stage S] [--environment E]
  faultline gameday <suite> [--local] [--json]
  faultline pipeline <event-or-job.json> --template <file> [--template <file> ...] --local
  faultline local [--port 4010]
  faultline status <executionId> [--json] [--stage S]
  faultline abort <executionId> [--stage S]
  faultline halt [--reason R] [--stage S]
  faultline resume [--stage S]
  faultline release <targetKey> [--reason R] [--stage S]

Without --local, commands act on a deployed stack through the AWS SDK's standard configuration
(AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL_EVENTBRIDGE, AWS_ENDPOINT_URL_DYNAMODB, ...); the stack's
bus and table are faultline-<stage> (--stage, or FAULTLINE_STAGE, default dev); the environment
experiments run in is the stage unless --environment (or FAULTLINE_ENVIRONMENT) says otherwise.

exit codes: 0 done (run: verdict PASSED, or a dry run), 1 bad input, refused to start or REJECTED,
2 internal error, 3 verdict FAILED, 4 verdict INCONCLUSIVE, 5 ROLLBACK_FAILED (a fault may still
be active: see the journal)`;

/** Bad input or a refusal to start: exit code 1, nothing started. */
class UsageError extends FaultlineError {}

const EXIT = { ok: 0, refused: 1, internal: 2, failed: 3, inconclusive: 4, rollbackFailed: 5 } as const;

export const main = async (argv: string[], out: Output = consoleOutput(argv.includes('--json'))): Promise<number> => {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      local: { type: 'boolean', default: false },
      'dry-run': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      port: { type: 'string', default: '4010' },
      stage: { type: 'string' },
      environment: { type: 'string' },
      reason: { type: 'string' },
      template: { type: 'string', multiple: true },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [command, arg] = positionals;
  if (values.help || !command) {
    out.result(USAGE);
    return command || values.help ? EXIT.ok : EXIT.refused;
  }
  try {
    switch (command) {
      case 'validate':
        return validateCommand(required(arg, 'template'), out);
      case 'run':
        return await runCommand(
          required(arg, 'template'),
          { local: values.local, dryRun: values['dry-run'], json: values.json, stage: values.stage, environment: values.environment },
          out,
        );
      case 'gameday':
        return await gameDayCommand(required(arg, 'suite'), { json: values.json, local: values.local }, out);
      case 'local':
        return await localCommand(Number(values.port), out);
      case 'pipeline':
        return await pipelineCommand(required(arg, 'event-or-job.json'), { templates: values.template ?? [], local: values.local }, out);
      case 'status':
        return await statusCommand(required(arg, 'executionId'), { json: values.json, stage: values.stage }, out);
      case 'abort':
        return await abortCommand(required(arg, 'executionId'), values.stage, out);
      case 'halt':
        return await haltCommand(values.reason ?? 'halted by an operator', values.stage, out);
      case 'resume':
        return await resumeCommand(values.stage, out);
      case 'release':
        return await releaseCommand(required(arg, 'targetKey'), values.reason ?? 'released by an operator', values.stage, out);
      default:
        throw new UsageError(`unknown command "${command}"\n\n${USAGE}`);
    }
  } catch (error) {
    if (error instanceof InvalidTemplateError) {
      out.error(`invalid template:\n${error.problems.map((p) => `  ${p.path || '(template)'}: ${p.message}`).join('\n')}`);
      return EXIT.refused;
    }
    if (error instanceof UsageError) {
      out.error(`faultline: ${error.message}`);
      return EXIT.refused;
    }
    out.error(`faultline: ${(error as Error).message}`);
    return EXIT.internal;
  }
};

const required = (value: string | undefined, name: string): string => {
  if (!value) throw new UsageError(`missing <${name}>\n\n${USAGE}`);
  return value;
};

export const readTemplate = (path: string): Template => {
  if (!existsSync(path)) throw new UsageError(`no template at ${path}`);
  return parseTemplateText(readFileSync(path, 'utf8'));
};

const validateCommand = (path: string, out: Output): number => {
  const template = readTemplate(path);
  out.result(`${path}: valid (${template.id} version ${template.version}, ${Object.keys(template.actions).length} action(s))`);
  return EXIT.ok;
};

/** Refusals the CLI can tell before starting anything; prepare checks the same again. */
const refuseToStart = async (template: Template, backend: Backend): Promise<void> => {
  if (!template.safety.environments.includes(backend.environment)) {
    throw new UsageError(
      `template ${template.id} may not run in environment "${backend.environment}" (safety.environments: ${template.safety.environments.join(', ')})`,
    );
  }
  const halt = await backend.store.haltState();
  if (halt) throw new UsageError(`experiments are halted: ${halt.reason} (by ${halt.by} at ${halt.at}); run "faultline resume" first`);
};

/** How long an execution can take at most: its fault, its recovery and some margin. */
const expectedMaxMs = (template: Template) =>
  Math.max(...Object.values(template.actions).map(actionDurationMs), windowMs(template)) + recoveryTimeoutMs(template) + 60_000;

export const runOne = async (
  template: Template,
  backend: Backend,
  options: { dryRun: boolean; trigger?: Execution['trigger'] },
  out: Output,
): Promise<{ execution: Execution; document: ReturnType<typeof resultDocument> }> => {
  await refuseToStart(template, backend);
  const executionId = newExecutionId();
  const startedAt = Date.now();
  const unsubscribe = backend.local?.runtime.bus.subscribe((event: BusEvent) => {
    if ((event.detail as { executionId?: string })?.executionId !== executionId) return;
    const line = progressLine(event, startedAt);
    if (line) out.progress(line);
  });
  try {
    await backend.publisher.publish([
      ExperimentRequested.entry({
        executionId,
        experimentId: template.id,
        template: template as unknown as Record<string, unknown>,
        dryRun: options.dryRun,
        trigger: options.trigger ?? { type: 'cli', reference: process.env.USER ?? 'cli' },
        environment: backend.environment,
        requestedAt: new Date().toISOString(),
      }),
    ]);
    const execution = await waitForFinal(backend, executionId, expectedMaxMs(template), startedAt, out);
    const document = resultDocument(execution, await backend.store.listFaults(executionId), await backend.store.readJournal(executionId));
    return { execution, document };
  } finally {
    unsubscribe?.();
  }
};

const waitForFinal = async (backend: Backend, executionId: string, timeoutMs: number, startedAt: number, out: Output): Promise<Execution> => {
  const deadline = Date.now() + timeoutMs;
  let shown = 0;
  for (;;) {
    const execution = await backend.store.getExecution(executionId);
    if (backend.kind === 'aws' && execution) {
      const journal = await backend.store.readJournal(executionId);
      for (const entry of journal.slice(shown)) out.progress(journalLine(entry, startedAt));
      shown = journal.length;
    }
    if (execution && isFinal(execution.status)) {
      await backend.local?.runtime.bus.idle();
      return (await backend.store.getExecution(executionId))!;
    }
    if (Date.now() > deadline) {
      throw new FaultlineError(`execution ${executionId} is still ${execution?.status ?? 'not created'} after ${Math.round(timeoutMs / 1000)}s; see "faultline status ${executionId}"`);
    }
    await new Promise((r) => setTimeout(r, backend.kind === 'local' ? 100 : 2000));
  }
};

const exitFor = (execution: Execution): number => {
  if (execution.status === 'ROLLBACK_FAILED') return EXIT.rollbackFailed;
  if (execution.status === 'REJECTED') return EXIT.refused;
  if (execution.dryRun && execution.status === 'COMPLETED') return EXIT.ok;
  if (execution.verdict === 'PASSED') return EXIT.ok;
  if (execution.verdict === 'FAILED') return EXIT.failed;
  return EXIT.inconclusive;
};

const runCommand = async (
  path: string,
  options: { local: boolean; dryRun: boolean; json: boolean; stage?: string | undefined; environment?: string | undefined },
  out: Output,
): Promise<number> => {
  const template = readTemplate(path);
  if (options.local && options.environment) throw new UsageError('--environment names a deployed stack\'s environment; the embedded runtime is "local"');
  const backend = options.local
    ? await localBackend()
    : awsBackend(stackNames({ ...(options.stage ? { stage: options.stage } : {}), ...(options.environment ? { environment: options.environment } : {}) }));
  try {
    const { execution, document } = await runOne(template, backend, { dryRun: options.dryRun }, out);
    if (options.json) out.result(JSON.stringify(document, null, 2));
    else out.progress(summaryTable([document]));
    return exitFor(execution);
  } finally {
    await backend.close();
  }
};

type ResultDocument = ReturnType<typeof resultDocument>;

const summaryTable = (documents: readonly ResultDocument[]): string =>
  table(
    ['experiment', 'status', 'verdict', 'availability', 'p95 latency', 'recovery time'],
    documents.map((d) => [
      d.experimentId,
      d.status,
      d.verdict,
      d.metrics.availabilityPercent === null ? '-' : `${d.metrics.availabilityPercent.toFixed(2)}%`,
      d.metrics.p95LatencyMs === null ? '-' : `${Math.round(d.metrics.p95LatencyMs)} ms`,
      d.metrics.recoverySeconds === null ? '-' : `${d.metrics.recoverySeconds.toFixed(1)} s`,
    ]),
  );

/**
 * A game day on the embedded runtime: the suite file is checked (suite and every template) before
 * anything starts, then the suite runs as its schedule would run it (GameDayDue, allowed hours and
 * blackout windows, one run at a time, GameDayCompleted at the end).
 */
const gameDayCommand = async (path: string, options: { json: boolean; local: boolean }, out: Output): Promise<number> => {
  if (!existsSync(path)) throw new UsageError(`no suite at ${path}`);
  let suite;
  try {
    suite = resolveSuiteFile(path);
  } catch (error) {
    if (error instanceof InvalidSuiteError) throw new UsageError(`invalid suite ${path}: ${error.message}`);
    throw error;
  }
  if (!options.local) throw new UsageError('game days of a deployed stack run on the schedules declared with it (README "Wired into delivery"); use --local to run one here');
  out.progress(`game day "${suite.name}": starting the local environment (demo fleet, monitor, embedded runtime)`);
  const backend = await localBackend();
  const local = backend.local!;
  const documents: ResultDocument[] = [];
  const unsubscribe = local.runtime.bus.subscribe(progressOfEveryExecution(out, (experimentId) => out.progress(`\n== ${experimentId}`)));
  let summary;
  try {
    if (!(await waitForSteady(backend, out))) throw new FaultlineError('the demo fleet did not reach its steady state');
    summary = await runGameDay(local.runtime, path, { requestedBy: process.env.USER ?? 'cli' });
    const reports = resolve('reports');
    mkdirSync(reports, { recursive: true });
    for (const e of summary.executions) {
      const execution = await backend.store.getExecution(e.executionId);
      if (!execution) continue;
      const document = resultDocument(execution, await backend.store.listFaults(e.executionId), await backend.store.readJournal(e.executionId));
      documents.push(document);
      writeFileSync(join(reports, `${execution.experimentId}-${execution.executionId}.json`), `${JSON.stringify(document, null, 2)}\n`);
    }
    writeFileSync(join(reports, `gameday-${suite.name}-${summary.runId}.json`), `${JSON.stringify({ ...summary, results: documents }, null, 2)}\n`);
    out.progress(`\njournals written to reports/ (one file per experiment, and gameday-${suite.name}-${summary.runId}.json)`);
  } finally {
    unsubscribe();
    await backend.close();
  }
  if (summary.status === 'SKIPPED') {
    out.error(`game day "${suite.name}" did not run: ${summary.reason ?? 'skipped'}`);
    return EXIT.refused;
  }
  if (options.json) out.result(JSON.stringify({ ...summary, results: documents }, null, 2));
  else out.progress(`\n${summaryTable(documents)}\n\ngame day "${suite.name}": ${documents.length} experiment(s), suite verdict ${summary.verdict ?? 'INCONCLUSIVE'}`);
  // The game day worked whatever its verdicts; a fault that may still be active is another matter.
  const stuck = documents.filter((d) => d.status === 'ROLLBACK_FAILED');
  if (stuck.length) {
    out.error(`ROLLBACK_FAILED: ${stuck.map((d) => `${d.experimentId} (${d.executionId})`).join(', ')}: a fault may still be active`);
    return EXIT.rollbackFailed;
  }
  return EXIT.ok;
};

/**
 * Feeds the embedded runtime a CodePipeline state-change event or an Invoke-action job, exactly as
 * AWS sends them (the runtime takes the account they name), with the given templates stored and
 * bound; waits for the experiments they start and prints what CodePipeline would have been told.
 */
const pipelineCommand = async (path: string, options: { templates: string[]; local: boolean }, out: Output): Promise<number> => {
  if (!options.local) throw new UsageError('pipeline feeds the embedded runtime: add --local (on AWS, CodePipeline sends these itself)');
  if (!existsSync(path)) throw new UsageError(`no file at ${path}`);
  let input: Record<string, unknown>;
  try {
    input = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    throw new UsageError(`${path} is not JSON: ${(error as Error).message}`);
  }
  const job = input['CodePipeline.job'] as { accountId?: unknown } | undefined;
  const account = String(job ? job.accountId : input.account);
  if (!/^\d{12}$/.test(account)) throw new UsageError(`${path}: neither a CodePipeline job nor an EventBridge event with an account`);
  const templates = options.templates.map(readTemplate);
  const backend = await localBackend({ runtime: { settings: { account } } });
  const local = backend.local!;
  const started: string[] = [];
  const unsubscribe = local.runtime.bus.subscribe(progressOfEveryExecution(out, (experimentId, executionId) => started.push(executionId)));
  try {
    for (const template of templates) await storeTemplate(backend.store, template);
    if (!(await waitForSteady(backend, out))) throw new FaultlineError('the demo fleet did not reach its steady state');
    if (job) {
      // CodePipeline invokes the gate again about once a second or slower; so does this.
      const run = await runPipelineJob(local.runtime, input, { pollMs: 1000, extras: localDeliveryExtras({ pipelines: new LocalPipelineControl((line) => out.progress(line)) }) });
      out.result(`job ${run.final.kind} after ${run.invocations} invocation(s) of the gate`);
      return run.final.kind === 'passed' ? EXIT.ok : EXIT.failed;
    }
    await deliverPipelineEvent(local.runtime, input as unknown as BusEvent);
    if (!started.length) {
      out.result('no experiment started: no stored template is bound to this pipeline, stage or action, or the state is not SUCCEEDED');
      return EXIT.ok;
    }
    const documents: ResultDocument[] = [];
    for (const executionId of started) {
      const execution = await local.runtime.waitForFinal(executionId, 10 * 60_000);
      documents.push(resultDocument(execution, await backend.store.listFaults(executionId), await backend.store.readJournal(executionId)));
    }
    await local.runtime.bus.idle();
    out.result(summaryTable(documents));
    return documents.some((d) => d.status === 'ROLLBACK_FAILED') ? EXIT.rollbackFailed : EXIT.ok;
  } finally {
    unsubscribe();
    await backend.close();
  }
};

/** Progress lines of every execution on the bus, timed from its first event. */
const progressOfEveryExecution = (out: Output, onStart: (experimentId: string, executionId: string) => void) => {
  const startedAt = new Map<string, number>();
  return (event: BusEvent) => {
    const detail = event.detail as { executionId?: string; experimentId?: string };
    if (!detail?.executionId || !detail.experimentId) return;
    if (!startedAt.has(detail.executionId)) {
      startedAt.set(detail.executionId, Date.now());
      onStart(detail.experimentId, detail.executionId);
    }
    const line = progressLine(event, startedAt.get(detail.executionId)!);
    if (line) out.progress(line);
  };
};

/** Before an experiment, the fleet must be back to its steady state (bounded wait). */
const waitForSteady = async (backend: Backend, out: Output): Promise<boolean> => {
  const local = backend.local!;
  const deadline = Date.now() + 60_000;
  for (;;) {
    const health = await local.monitor.steady(undefined as never, []);
    if (health.steady) return true;
    if (Date.now() > deadline) {
      out.error(`fleet not steady: ${health.detail ?? ''}`);
      return false;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
};

const localCommand = async (port: number, out: Output): Promise<number> => {
  if (!Number.isInteger(port) || port < 1 || port > 65_534) throw new UsageError(`--port must be a port number, not ${port}`);
  const backend = await localBackend({ port });
  const local = backend.local!;
  out.progress(
    [
      'faultline local: the embedded runtime is serving',
      `  EventBridge PutEvents   ${local.endpoint!.url}   (bus faultline-local, or the default bus)`,
      `  DynamoDB (dynalite)     ${local.runtime.dynamo.endpoint}   (table ${local.runtime.tableName})`,
      `  demo fleet              ${local.fleet.loadBalancerUrl}   (${local.fleet.replicas().length} replicas and a dependency: ${local.fleet.spawnedPids().map((p) => `pid ${p}`).join(', ')})`,
      `  alarms                  ${local.monitor.alarmDefinitions().map((a) => a.name).join(', ')}`,
      '',
      'try:',
      `  AWS_ENDPOINT_URL_EVENTBRIDGE=${local.endpoint!.url} AWS_ENDPOINT_URL_DYNAMODB=${local.runtime.dynamo.endpoint} \\`,
      '    npx faultline run experiments/instance-termination.yaml --stage local',
      '',
      'Ctrl-C stops everything.',
    ].join('\n'),
  );
  local.runtime.bus.subscribe((event) => {
    const executionId = (event.detail as { executionId?: string })?.executionId;
    out.progress(`${new Date().toISOString()}  ${event.source.padEnd(14)} ${event['detail-type']}${executionId ? `  ${executionId}` : ''}`);
  });
  await new Promise<void>((resolveStop) => {
    const stop = () => resolveStop();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  out.progress('stopping...');
  await backend.close();
  return EXIT.ok;
};

const remote = (stage: string | undefined) => awsBackend(stackNames(stage ? { stage } : {}));

const statusCommand = async (executionId: string, options: { json: boolean; stage?: string | undefined }, out: Output): Promise<number> => {
  const backend = remote(options.stage);
  try {
    const execution = await backend.store.getExecution(executionId);
    if (!execution) throw new UsageError(`no execution ${executionId}`);
    const document = resultDocument(execution, await backend.store.listFaults(executionId), await backend.store.readJournal(executionId));
    if (options.json) out.result(JSON.stringify({ ...document, status: execution.status }, null, 2));
    else {
      out.result(`${execution.experimentId} ${executionId}: ${execution.status}${execution.verdict ? ` / verdict ${execution.verdict}` : ''}`);
      for (const t of document.timeline) out.result(`  ${t.at}  ${t.phase.padEnd(8)} ${t.event}${t.outcome !== 'ok' ? ` (${t.outcome})` : ''}`);
      // Targets this execution still holds pinned: a fault may be active there until a person checks.
      for (const key of (execution.targets ?? []).flatMap(leaseKeys)) {
        const lease = await backend.store.lease(key);
        if (lease?.pinned && lease.executionId === executionId) out.result(`  pinned lease: ${key} (check the target, then "faultline release ${key}")`);
      }
    }
    return EXIT.ok;
  } finally {
    await backend.close();
  }
};

const abortCommand = async (executionId: string, stage: string | undefined, out: Output): Promise<number> => {
  const backend = remote(stage);
  try {
    const execution = await backend.store.getExecution(executionId);
    if (!execution) throw new UsageError(`no execution ${executionId}`);
    if (isFinal(execution.status)) throw new UsageError(`execution ${executionId} is already ${execution.status}`);
    await backend.publisher.publish([
      SafetyViolated.entry({ executionId, experimentId: execution.experimentId, reason: 'operator', message: `aborted by ${process.env.USER ?? 'an operator'}`, at: new Date().toISOString() }),
    ]);
    out.result(`abort requested for ${executionId}: every injected fault is being reverted`);
    return EXIT.ok;
  } finally {
    await backend.close();
  }
};

/**
 * The kill switch: blocks new starts and reverts every running experiment. Each violation is
 * written on its execution before SafetyViolated announces it, so that no verdict passes it
 * whenever (or whether) the event arrives.
 */
const haltCommand = async (reason: string, stage: string | undefined, out: Output): Promise<number> => {
  const backend = remote(stage);
  try {
    await backend.store.halt(reason, process.env.USER ?? 'cli');
    const running: Execution[] = [];
    for (const status of STATUSES.filter((st) => !isFinal(st))) {
      running.push(...(await backend.store.executionsInStatus(status)));
    }
    const message = `halted: ${reason}`;
    const at = new Date().toISOString();
    const violations = storeOnly(backend);
    const stopping: Execution[] = [];
    for (const e of running) {
      // Null: it ended meanwhile, nothing to stop.
      const marked = await recordViolation(violations, e.executionId, { violated: true, reason: message, source: 'halt', at });
      if (marked) stopping.push(marked);
    }
    if (stopping.length) {
      await backend.publisher.publish(
        stopping.map((e) => SafetyViolated.entry({ executionId: e.executionId, experimentId: e.experimentId, reason: 'halt', message, at })),
      );
    }
    out.result(`halted: no experiment starts until "faultline resume"; ${stopping.length} running experiment(s) told to revert`);
    return EXIT.ok;
  } finally {
    await backend.close();
  }
};

/** `recordViolation` reads and writes only the store: the CLI has no other phase collaborator. */
const storeOnly = (backend: Backend): PhaseDependencies => ({ store: backend.store }) as Pick<PhaseDependencies, 'store'> as PhaseDependencies;

const resumeCommand = async (stage: string | undefined, out: Output): Promise<number> => {
  const backend = remote(stage);
  try {
    await backend.store.resume();
    out.result('resumed: experiments may start again');
    return EXIT.ok;
  } finally {
    await backend.close();
  }
};

/**
 * Gives a target's lease back by hand: the only way a pinned lease (an execution that ended
 * ROLLBACK_FAILED, a fault perhaps still active) goes, after a person has checked the target.
 * Journaled on the execution that held it.
 */
const releaseCommand = async (targetKey: string, reason: string, stage: string | undefined, out: Output): Promise<number> => {
  const backend = remote(stage);
  try {
    const held = await backend.store.lease(targetKey);
    if (!held) throw new UsageError(`no lease on ${targetKey}: nothing to release`);
    const released = await backend.store.releaseLeaseByHand(targetKey);
    if (!released) throw new UsageError(`no lease on ${targetKey}: it was given back meanwhile`);
    const by = process.env.USER ?? 'cli';
    await backend.store.journal(released.executionId, {
      phase: 'operator',
      action: 'release lease',
      outcome: 'ok',
      detail: { targetKey, pinned: released.pinned, by, reason },
    });
    out.result(
      `released ${targetKey}: ${released.pinned ? 'pinned ' : ''}lease of execution ${released.executionId}${released.reason ? ` (${released.reason})` : ''}; experiments may target it again`,
    );
    return EXIT.ok;
  } finally {
    await backend.close();
  }
};

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`faultline: ${(error as Error).stack ?? String(error)}\n`);
      process.exit(EXIT.internal);
    },
  );
}
