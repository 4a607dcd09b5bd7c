import { ExperimentRequested } from '../../events';
import { forAtMost, pollUntil } from '../../shared/poll';
import { isFinal, newExecutionId, type Execution } from '../../shared/domain/execution';
import { actionDurationMs, recoveryTimeoutMs, windowMs, type Template } from '../../shared/domain/template';
import { WaitTimeoutError } from '../../shared/errors';
import { resultDocument } from '../../shared/phases/result';
import type { BusEvent } from '../../shared/ports';
import { awsBackend, localBackend, stackNames, type Backend } from '../backend';
import { journalLine, progressLine, type Output } from '../display';
import { writeJunit } from '../junit';
import { EXIT, readTemplate, recordLocalSeries, summaryTable, UsageError } from './common';

/** Refusals the CLI can tell before starting anything; prepare checks the same again. */
const refuseToStart = async (template: Template, backend: Backend): Promise<void> => {
  if (!template.safety.environments.includes(backend.environment)) {
    throw new UsageError(
      `template ${template.id} may not run in environment "${backend.environment}" (safety.environments: ${template.safety.environments.join(', ')})`,
    );
  }
  const halt = await backend.store.haltState();
  if (halt)
    throw new UsageError(
      `experiments are halted: ${halt.reason} (by ${halt.by} at ${halt.at}); run "faultline resume" first`,
    );
};

/** How long an execution can take at most: its fault, its recovery and some margin. */
const expectedMaxMs = (template: Template) =>
  Math.max(...Object.values(template.actions).map(actionDurationMs), windowMs(template)) +
  recoveryTimeoutMs(template) +
  60_000;

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
    await recordLocalSeries(backend, executionId);
    const document = resultDocument(
      execution,
      await backend.store.listFaults(executionId),
      await backend.store.readJournal(executionId),
      await backend.store.readSeries(executionId),
    );
    return { execution, document };
  } finally {
    unsubscribe?.();
  }
};

const waitForFinal = async (
  backend: Backend,
  executionId: string,
  timeoutMs: number,
  startedAt: number,
  out: Output,
): Promise<Execution> => {
  let shown = 0;
  const { value: execution, done } = await pollUntil(
    forAtMost(timeoutMs, backend.kind === 'local' ? 100 : 2000),
    async () => {
      const found = await backend.store.getExecution(executionId);
      if (backend.kind === 'aws' && found) {
        const journal = await backend.store.readJournal(executionId);
        for (const entry of journal.slice(shown)) out.progress(journalLine(entry, startedAt));
        shown = journal.length;
      }
      return found;
    },
    (found) => found !== undefined && isFinal(found.status),
  );
  if (!done) {
    throw new WaitTimeoutError(
      `execution ${executionId} is still ${execution?.status ?? 'not created'} after ${Math.round(timeoutMs / 1000)}s; ` +
        `see "faultline status ${executionId}"`,
    );
  }
  await backend.local?.runtime.bus.idle();
  return (await backend.store.getExecution(executionId))!;
};

export const exitFor = (execution: Execution): number => {
  if (execution.status === 'ROLLBACK_FAILED') return EXIT.rollbackFailed;
  if (execution.status === 'REJECTED') return EXIT.refused;
  if (execution.dryRun && execution.status === 'COMPLETED') return EXIT.ok;
  if (execution.verdict === 'PASSED') return EXIT.ok;
  if (execution.verdict === 'FAILED') return EXIT.failed;
  return EXIT.inconclusive;
};

export const runCommand = async (
  path: string,
  options: {
    local: boolean;
    dryRun: boolean;
    json: boolean;
    junit?: string | undefined;
    stage?: string | undefined;
    environment?: string | undefined;
  },
  out: Output,
): Promise<number> => {
  const template = readTemplate(path);
  if (options.local && options.environment)
    throw new UsageError('--environment names a deployed stack\'s environment; the embedded runtime is "local"');
  const backend = options.local
    ? await localBackend()
    : awsBackend(
        stackNames({
          ...(options.stage ? { stage: options.stage } : {}),
          ...(options.environment ? { environment: options.environment } : {}),
        }),
      );
  try {
    const { execution, document } = await runOne(template, backend, { dryRun: options.dryRun }, out);
    if (options.junit) writeJunit(options.junit, { name: template.id, documents: [document] });
    if (options.json) out.result(JSON.stringify(document, null, 2));
    else out.progress(summaryTable([document]));
    return exitFor(execution);
  } finally {
    await backend.close();
  }
};
