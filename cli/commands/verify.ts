import { existsSync, readFileSync } from 'node:fs';
import { isFinal, type JournalEntry, type JournalOutcome, type Status } from '../../shared/domain/execution';
import {
  chainHead,
  chainProblems,
  outcomeDigest,
  type ChainHead,
  type StatedOutcome,
} from '../../shared/domain/journal-chain';
import type { Output } from '../display';
import { EXIT, remote, UsageError } from './common';

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

/** The entry `finish` journals when an execution ends: its status, verdict and outcome digest. */
const isOutcome = (e: JournalEntry): boolean => e.phase === 'finish' && e.action === 'completed' && !!e.detail;

const isFinalStatus = (status: unknown): boolean => typeof status === 'string' && isFinal(status as Status);

/**
 * What is wrong with one result document: its journal chain (journal-chain.ts), and the verdict
 * and status it states against the ones its journal recorded when the execution ended.
 */
export const resultProblems = (document: Verifiable): string[] => {
  if (typeof document.executionId !== 'string' || !Array.isArray(document.timeline))
    return ['not a result document (no executionId or timeline)'];
  const entries = entriesOf(document.timeline as TimelineEntry[]);
  const problems = chainProblems(document.executionId, entries, document.journalHead);
  const completed = entries.filter(isOutcome).at(-1);
  if (!completed) {
    if (isFinalStatus(document.status))
      problems.push(
        'its journal records no outcome (finish completed) for a final result: entries may have been cut off',
      );
    return problems;
  }
  for (const field of ['status', 'verdict'] as const) {
    const recorded = completed.detail?.[field];
    if (recorded !== undefined && recorded !== document[field])
      problems.push(`the result says ${field} ${String(document[field])}, its journal recorded ${String(recorded)}`);
  }
  const digest = completed.detail?.outcome;
  if (typeof digest === 'string' && digest !== outcomeDigest(document as unknown as StatedOutcome))
    problems.push(
      "the result's criteria, reasons, figures, safety or score differ from the outcome its journal recorded",
    );
  return problems;
};

/**
 * What differs between a result's journal and the one the table holds (the anchor a rewritten
 * document cannot move): the table's own chain must hold, and hold the result's entries, link for
 * link, up to the result's head (the table may have more: entries journaled after the document).
 */
const tableProblems = (document: Verifiable, table: readonly JournalEntry[]): string[] => {
  if (typeof document.executionId !== 'string' || !Array.isArray(document.timeline)) return [];
  if (!table.length) return ['the table holds no journal for this execution'];
  const problems = chainProblems(document.executionId, table, chainHead(table)).map((p) => `in the table: ${p}`);
  const bySeq = new Map(table.map((e) => [e.seq, e]));
  for (const entry of entriesOf(document.timeline as TimelineEntry[])) {
    const stored = entry.seq === undefined ? undefined : bySeq.get(entry.seq);
    if (!stored) problems.push(`the table has no entry ${entry.seq ?? '?'} (${entry.phase} ${entry.action})`);
    else if (stored.hash !== entry.hash) {
      problems.push(`entry ${entry.seq} (${entry.phase} ${entry.action}) differs from the table's`);
      break;
    }
  }
  const outcome = table.filter(isOutcome).at(-1);
  const held = new Set(entriesOf(document.timeline as TimelineEntry[]).map((e) => e.seq));
  if (outcome && isFinalStatus(document.status) && !held.has(outcome.seq))
    problems.push(`the table records the outcome at entry ${outcome.seq}, which the result does not hold`);
  return problems;
};

/**
 * `faultline verify <result.json> [--table]`: recomputes the journal chain of a result document (or
 * of every result of a game-day document) and says whether the record was altered; with --table
 * it also holds the chain against the journal in the stack's table. Exit 0 when every chain
 * holds, 3 when one does not.
 */
export const verifyCommand = async (
  path: string,
  options: { json: boolean; table?: boolean; stage?: string | undefined },
  out: Output,
): Promise<number> => {
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
  if (options.table) {
    // A document whose whole chain was recomputed holds together; the table's journal tells it.
    const backend = remote(options.stage);
    try {
      for (const [i, c] of checked.entries())
        if (c.executionId)
          c.problems.push(...tableProblems(documents[i]!, await backend.store.readJournal(c.executionId)));
    } finally {
      await backend.close();
    }
  }
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
