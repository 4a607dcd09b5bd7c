import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { JournalEntry } from '../domain/execution';
import { chainEntry, chainHead, type ChainedEntry } from '../domain/journal-chain';
import { ContentionError } from '../errors';
import { pause } from '../ports';
import { keys } from './keys';
import { conditionally, strip, type Table } from './table';

/** Journal text is clipped, so that no entry comes near DynamoDB's item limit. */
const JOURNAL_TEXT_LIMIT = 2048;
const JOURNAL_DETAIL_LIMIT = 16_384;

/**
 * The entry as it will be stored and hashed: clipped, and as JSON (and DynamoDB) gives it back,
 * so that the hash of what is read equals the hash of what was written.
 */
export const storedEntry = (entry: Omit<JournalEntry, 'at'> & { at: string }): JournalEntry => {
  const bounded = { ...entry };
  if (typeof bounded.error === 'string' && bounded.error.length > JOURNAL_TEXT_LIMIT) {
    bounded.error = `${bounded.error.slice(0, JOURNAL_TEXT_LIMIT)}…`;
  }
  if (bounded.detail && JSON.stringify(bounded.detail).length > JOURNAL_DETAIL_LIMIT) {
    bounded.detail = { clipped: JSON.stringify(bounded.detail).slice(0, JOURNAL_TEXT_LIMIT) };
  }
  return JSON.parse(JSON.stringify(bounded)) as JournalEntry;
};

/**
 * Appends go to the next free place of the chain with a conditional put; a writer that lost the
 * place to a concurrent one reads the new head and tries again, this many times at most.
 */
const JOURNAL_APPEND_ATTEMPTS = 40;

/** A short random pause between attempts, so that concurrent writers do not collide in step. */
const appendBackoffMs = (attempt: number): number => Math.floor(Math.random() * Math.min(50, 2 + 4 * attempt));

export interface JournalRepository {
  /**
   * Appends an entry to an execution's journal, at `entry.at` or now, as the next link of its
   * hash chain (journal-chain.ts). Concurrent appends are ordered, none is lost.
   */
  journal(
    executionId: string,
    entry: Omit<JournalEntry, 'at' | 'seq' | 'prev' | 'hash'> & { at?: string },
  ): Promise<void>;
  /** An execution's journal in chain order, each entry with its seq, prev and hash. */
  readJournal(executionId: string): Promise<JournalEntry[]>;
}

/** What happened to an execution, one item per entry in the execution's partition, numbered. */
export class Journal implements JournalRepository {
  constructor(private readonly table: Table) {}

  async journal(executionId: string, entry: Parameters<JournalRepository['journal']>[1]): Promise<void> {
    const content = storedEntry({ ...entry, at: entry.at ?? this.table.clock.now().toISOString() });
    for (let attempt = 0; attempt < JOURNAL_APPEND_ATTEMPTS; attempt++) {
      const linked: ChainedEntry = chainEntry(executionId, await this.head(executionId), content);
      const written = await conditionally(() =>
        this.table.doc.send(
          new PutCommand({
            TableName: this.table.name,
            Item: { ...keys.journal(executionId, linked.seq), ...linked },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        ),
      );
      if (written) return;
      await pause(this.table.clock, appendBackoffMs(attempt));
    }
    throw new ContentionError(
      `journal of ${executionId}: no free place after ${JOURNAL_APPEND_ATTEMPTS} attempts (too many concurrent writers)`,
    );
  }

  async readJournal(executionId: string): Promise<JournalEntry[]> {
    const items = await this.table.queryAll({
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :p)',
      ExpressionAttributeValues: { ':pk': keys.executionPartition(executionId), ':p': keys.journalPrefix },
      ConsistentRead: true,
    });
    return items.map((i) => strip<JournalEntry>(i));
  }

  /** The last link of the chain, read strongly consistent. */
  private async head(executionId: string) {
    const { Items } = await this.table.doc.send(
      new QueryCommand({
        TableName: this.table.name,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :p)',
        ExpressionAttributeValues: { ':pk': keys.executionPartition(executionId), ':p': keys.journalPrefix },
        ScanIndexForward: false,
        Limit: 1,
        ConsistentRead: true,
      }),
    );
    return chainHead((Items ?? []).map((i) => strip<JournalEntry>(i)));
  }
}
