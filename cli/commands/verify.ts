import { existsSync, readFileSync } from 'node:fs';
import type { JournalEntry, JournalOutcome } from '../../shared/domain/execution';
import { chainProblems, type ChainHead } from '../../shared/domain/journal-chain';
import type { Output } from '../display';
import { EXIT, UsageError } from './common';

/** What `verify` reads of a result document: the journal as the timeline holds it, and its head. */
interface Verifiable {
  executionId?: unknown;
  experimentId?: unknown;
  status?: unknown;
  verdict?: unknown;
  timeline?: unknown;
  journalHead?: ChainHead | null;
}

type TimelineEntry = {
  at: string;
  phase: string;
  event: string;
  outcome: JournalOutcome;
  error?: string;
  detail?: Record<string, unknown>;
  seq?: number;
  prev?: string;
  hash?: string;
};

/** The journal entries of a timeline, as the chain hashed them. */
const entriesOf = (timeline: readonly TimelineEntry[]): JournalEntry[] =>
  timeline.map(({ event, ...rest }) => ({ ...rest, action: event }));

/**
 * What is wrong with one result document: its journal chain (journal-chain.ts), and the verdict
 * and status it states against the ones its journal recorded when the execution ended.
 */
export const resultProblems = (document: Verifiable): string[] => {
  if (typeof document.executionId !== 'string' || !Array.isArray(document.timeline))
    return ['not a result document (no executionId or timeline)'];
  const entries = entriesOf(document.timeline as TimelineEntry[]);
  const problems = chainProblems(document.executionId, entries, document.journalHead);
  const completed = entries.filter((e) => e.action === 'completed' && e.detail).at(-1);
  if (completed) {
    for (const field of ['status', 'verdict'] as const) {
      const recorded = completed.detail?.[field];
      if (recorded !== undefined && recorded !== document[field])
        problems.push(`the result says ${field} ${String(document[field])}, its journal recorded ${String(recorded)}`);
    }
  }
  return problems;
};

/**
 * `faultline verify <result.json>`: recomputes the journal chain of a result document (or of every
 * result of a game-day document) and says whether the record was altered. Exit 0 when every
 * chain holds, 3 when one does not.
 */
export const verifyCommand = async (path: string, options: { json: boolean }, out: Output): Promise<number> => {
  if (!existsSync(path)) throw new UsageError(`no result document at ${path}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new UsageError(`${path} is not JSON: ${(error as Error).message}`);
  }
  if (!parsed || typeof parsed !== 'object') throw new UsageError(`${path} is not a result document`);
  const documents: Verifiable[] = Array.isArray((parsed as { results?: unknown }).results)
    ? ((parsed as { results: Verifiable[] }).results ?? [])
    : [parsed as Verifiable];
  if (!documents.length) throw new UsageError(`${path} holds no results`);
  const checked = documents.map((d) => ({
    executionId: typeof d.executionId === 'string' ? d.executionId : null,
    experimentId: typeof d.experimentId === 'string' ? d.experimentId : null,
    entries: Array.isArray(d.timeline) ? d.timeline.length : 0,
    head: d.journalHead ?? null,
    problems: resultProblems(d),
  }));
  const intact = checked.every((c) => c.problems.length === 0);
  if (options.json) out.result(JSON.stringify({ intact, results: checked }, null, 2));
  else
    for (const c of checked) {
      const name = `${c.experimentId ?? '?'} ${c.executionId ?? '?'}`;
      if (c.problems.length === 0)
        out.result(`intact   ${name}: ${c.entries} journal entries, head ${c.head?.hash.slice(0, 16)}…`);
      else out.result(`ALTERED  ${name}:\n${c.problems.map((p) => `  - ${p}`).join('\n')}`);
    }
  return intact ? EXIT.ok : EXIT.failed;
};
