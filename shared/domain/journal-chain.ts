import { createHash } from 'node:crypto';
import type { JournalEntry } from './execution';

/**
 * The journal of an execution as a hash chain (docs/architecture.md §3): entry n
 * carries the SHA-256 of entry n-1, and its own hash covers its content, its number and that
 * link. Changing, removing, inserting or reordering an entry breaks every hash after it.
 */

/** The `prev` of an execution's first entry. */
export const GENESIS = '0'.repeat(64);

/**
 * JSON with object keys sorted and no whitespace: one text for one value, whatever the order its
 * fields were written in. For the values a journal holds (strings, finite numbers, booleans,
 * null, arrays, plain objects) this is RFC 8785's canonical form; `undefined` fields are left
 * out, as JSON and DynamoDB leave them out.
 */
export const canonicalJson = (value: unknown): string => {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) throw new TypeError(`not a JSON number: ${value}`);
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const fields = Object.keys(value)
    .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
  return `{${fields.join(',')}}`;
};

/** An entry as the chain holds it. */
export type ChainedEntry = JournalEntry & Required<Pick<JournalEntry, 'seq' | 'prev' | 'hash'>>;

/** The last link of a chain: how many entries, and the hash of the last one. */
export interface ChainHead {
  seq: number;
  hash: string;
}

/** The hash of entry `seq` of an execution's journal, linked to `prev`. */
export const entryHash = (executionId: string, entry: Omit<JournalEntry, 'hash'> & { seq: number; prev: string }) =>
  createHash('sha256')
    .update(
      canonicalJson({
        executionId,
        seq: entry.seq,
        prev: entry.prev,
        at: entry.at,
        phase: entry.phase,
        action: entry.action,
        outcome: entry.outcome,
        detail: entry.detail,
        error: entry.error,
      }),
    )
    .digest('hex');

/** The entry that follows `head` (or starts the chain), with its link and hash. */
export const chainEntry = (executionId: string, head: ChainHead | undefined, entry: JournalEntry): ChainedEntry => {
  const { seq: _s, prev: _p, hash: _h, ...content } = entry;
  const linked = { ...content, seq: (head?.seq ?? 0) + 1, prev: head?.hash ?? GENESIS };
  return { ...linked, hash: entryHash(executionId, linked) };
};

/** The head of a chain read in order, or undefined for an empty journal. */
export const chainHead = (entries: readonly JournalEntry[]): ChainHead | undefined => {
  const last = entries[entries.length - 1];
  return last?.seq !== undefined && last.hash !== undefined ? { seq: last.seq, hash: last.hash } : undefined;
};

/**
 * What is wrong with a chain, given in order: a missing link, a number out of sequence, a hash
 * that does not match its entry, a head that is not the chain's last link. Empty when it holds.
 */
export const chainProblems = (
  executionId: string,
  entries: readonly JournalEntry[],
  head: ChainHead | null | undefined,
): string[] => {
  const problems: string[] = [];
  let previous: ChainHead | undefined;
  entries.forEach((entry, i) => {
    const where = `entry ${i + 1} (${entry.phase} ${entry.action} at ${entry.at})`;
    if (entry.seq === undefined || entry.prev === undefined || entry.hash === undefined) {
      problems.push(`${where} is not chained (no seq, prev or hash)`);
      previous = undefined;
      return;
    }
    if (entry.seq !== i + 1) problems.push(`${where} has number ${entry.seq}, expected ${i + 1}`);
    const expectedPrev = previous?.hash ?? (i === 0 ? GENESIS : undefined);
    if (expectedPrev !== undefined && entry.prev !== expectedPrev)
      problems.push(`${where} does not link to the entry before it`);
    if (entryHash(executionId, { ...entry, seq: entry.seq, prev: entry.prev }) !== entry.hash)
      problems.push(`${where} was altered: its content does not match its hash`);
    previous = { seq: entry.seq, hash: entry.hash };
  });
  if (!head) problems.push('the result holds no journal head');
  else if (!previous || previous.seq !== head.seq || previous.hash !== head.hash)
    problems.push(
      `the journal head (entry ${head.seq}, ${head.hash.slice(0, 12)}…) is not the last entry of the chain` +
        (previous ? ` (entry ${previous.seq}, ${previous.hash.slice(0, 12)}…)` : ''),
    );
  return problems;
};

/** What a result states of its outcome: the fields `faultline verify` holds against the journal. */
export interface StatedOutcome {
  status: unknown;
  verdict: unknown;
  criteria: unknown;
  reasons: unknown;
  metrics: unknown;
  safety: { violated: unknown; reason?: unknown };
  score: unknown;
}

/**
 * The SHA-256 of an outcome's canonical JSON (status, verdict, criteria, reasons, metrics, safety
 * and score as the result document states them), journaled with `finish completed`: a result
 * whose criteria, figures or score were edited afterwards no longer matches it.
 */
export const outcomeDigest = (o: StatedOutcome): string =>
  createHash('sha256')
    .update(
      canonicalJson({
        status: o.status,
        verdict: o.verdict,
        criteria: o.criteria,
        reasons: o.reasons,
        metrics: o.metrics,
        safety: { violated: o.safety.violated, reason: o.safety.reason ?? null },
        score: o.score,
      }),
    )
    .digest('hex');
