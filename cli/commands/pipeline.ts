import { existsSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { FaultlineError } from '../../shared/errors';
import { storeTemplate } from '../../shared/delivery/bindings';
import { LocalPipelineControl } from '../../local/pipeline-control';
import { resultDocument } from '../../shared/phases/result';
import type { BusEvent } from '../../shared/ports';
import { deliverPipelineEvent, localDeliveryExtras, runPipelineJob } from '../../local/delivery';
import { localBackend } from '../backend';
import type { Output } from '../display';
import { writeJunit } from '../junit';
import {
  EXIT,
  progressOfEveryExecution,
  readTemplate,
  summaryTable,
  UsageError,
  waitForSteady,
  type ResultDocument,
  recordLocalSeries,
} from './common';

/**
 * Feeds the embedded runtime a CodePipeline state-change event or an Invoke-action job, exactly as
 * AWS sends them (the runtime takes the account they name), with the given templates stored and
 * bound; waits for the experiments they start and prints what CodePipeline would have been told.
 */
export const pipelineCommand = async (
  path: string,
  options: { templates: string[]; local: boolean; junit?: string | undefined },
  out: Output,
): Promise<number> => {
  if (!options.local)
    throw new UsageError('pipeline feeds the embedded runtime: add --local (on AWS, CodePipeline sends these itself)');
  if (!existsSync(path)) throw new UsageError(`no file at ${path}`);
  let input: Record<string, unknown>;
  try {
    input = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    throw new UsageError(`${path} is not JSON: ${(error as Error).message}`);
  }
  const job = input['CodePipeline.job'] as { accountId?: unknown } | undefined;
  const account = String(job ? job.accountId : input.account);
  if (!/^\d{12}$/.test(account))
    throw new UsageError(`${path}: neither a CodePipeline job nor an EventBridge event with an account`);
  const templates = options.templates.map(readTemplate);
  const backend = await localBackend({ runtime: { settings: { account } } });
  const local = backend.local!;
  const started: string[] = [];
  const unsubscribe = local.runtime.bus.subscribe(
    progressOfEveryExecution(out, (_experimentId, executionId) => started.push(executionId)),
  );
  try {
    for (const template of templates) await storeTemplate(backend.store, template);
    if (!(await waitForSteady(backend, out))) throw new FaultlineError('the demo fleet did not reach its steady state');
    if (job) {
      // CodePipeline invokes the gate again about once a second or slower; so does this.
      const run = await runPipelineJob(local.runtime, input, {
        pollMs: 1000,
        extras: localDeliveryExtras({ pipelines: new LocalPipelineControl((line) => out.progress(line)) }),
      });
      out.result(`job ${run.final.kind} after ${run.invocations} invocation(s) of the gate`);
      if (options.junit) {
        // The job is answered once its experiments are final, or it failed: either way, no wait here.
        const documents: ResultDocument[] = [];
        for (const executionId of started) {
          const execution = await backend.store.getExecution(executionId);
          if (!execution) continue;
          documents.push(
            resultDocument(
              execution,
              await backend.store.listFaults(executionId),
              await backend.store.readJournal(executionId),
            ),
          );
        }
        writeJunit(options.junit, { name: `pipeline ${basename(path)}`, documents });
      }
      return run.final.kind === 'passed' ? EXIT.ok : EXIT.failed;
    }
    await deliverPipelineEvent(local.runtime, input as unknown as BusEvent);
    if (!started.length) {
      if (options.junit) writeJunit(options.junit, { name: `pipeline ${basename(path)}`, documents: [] });
      out.result(
        'no experiment started: no stored template is bound to this pipeline, stage or action, or the state is not SUCCEEDED',
      );
      return EXIT.ok;
    }
    const documents: ResultDocument[] = [];
    for (const executionId of started) {
      const execution = await local.runtime.waitForFinal(executionId, 10 * 60_000);
      await recordLocalSeries(backend, executionId);
      documents.push(
        resultDocument(
          execution,
          await backend.store.listFaults(executionId),
          await backend.store.readJournal(executionId),
          await backend.store.readSeries(executionId),
        ),
      );
    }
    await local.runtime.bus.idle();
    if (options.junit) writeJunit(options.junit, { name: `pipeline ${basename(path)}`, documents });
    out.result(summaryTable(documents));
    return documents.some((d) => d.status === 'ROLLBACK_FAILED') ? EXIT.rollbackFailed : EXIT.ok;
  } finally {
    unsubscribe();
    await backend.close();
  }
};
