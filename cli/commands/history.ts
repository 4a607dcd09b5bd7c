import { executionScore, formatScore, sparkline } from '../../shared/domain/score';
import type { ExecutionStore } from '../../shared/store/execution-store';
import { table, type Output } from '../display';
import { EXIT, remote, UsageError } from './common';

/** One past execution of a template, as `faultline history` lists it. */
export interface HistoryEntry {
  requestedAt: string;
  executionId: string;
  status: string;
  verdict: string | null;
  score: number | null;
  /** Score change versus the previous (older) execution listed; null when either has no score. */
  change: number | null;
}

/** The last `last` executions of a template, newest first, each with its score and its change. */
export const historyOf = async (store: ExecutionStore, experimentId: string, last: number): Promise<HistoryEntry[]> => {
  const ids = await store.executionsOfExperiment(experimentId, last);
  const executions = (await Promise.all(ids.map((id) => store.getExecution(id)))).filter((e) => e !== undefined);
  const entries = executions.map((e) => ({
    requestedAt: e.requestedAt,
    executionId: e.executionId,
    status: e.status,
    verdict: e.verdict ?? null,
    score: executionScore(e),
  }));
  return entries.map((entry, i) => {
    const previous = entries[i + 1]?.score;
    return {
      ...entry,
      change: entry.score === null || previous === undefined || previous === null ? null : entry.score - previous,
    };
  });
};

const formatChange = (change: number | null) => (change === null ? '' : change > 0 ? `+${change}` : String(change));

/** `faultline history <experimentId>`: past executions from a deployed stack's table (or `faultline local`'s). */
export const historyCommand = async (
  experimentId: string,
  options: { last?: string | undefined; json: boolean; stage?: string | undefined },
  out: Output,
): Promise<number> => {
  const last = Number(options.last ?? '10');
  if (!Number.isInteger(last) || last < 1 || last > 100)
    throw new UsageError(`--last must be a whole number from 1 to 100, not ${options.last}`);
  const backend = remote(options.stage);
  try {
    const entries = await historyOf(backend.store, experimentId, last);
    if (options.json) {
      out.result(JSON.stringify(entries, null, 2));
      return EXIT.ok;
    }
    if (!entries.length) {
      out.result(`no executions of ${experimentId}`);
      return EXIT.ok;
    }
    out.result(
      table(
        ['requested at', 'execution', 'status', 'verdict', 'score', 'change'],
        entries.map((e) => [
          e.requestedAt,
          e.executionId,
          e.status,
          e.verdict ?? '—',
          formatScore(e.score),
          formatChange(e.change),
        ]),
      ),
    );
    out.result(
      `\n${experimentId}: ${entries.length} execution(s), scores oldest to newest ${sparkline(
        entries.map((e) => e.score).reverse(),
      )}`,
    );
    return EXIT.ok;
  } finally {
    await backend.close();
  }
};
