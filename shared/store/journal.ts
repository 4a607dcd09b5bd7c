import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { randomUUID } from 'node:crypto';
import type { JournalEntry } from '../domain/execution';
import { keys } from './keys';
import { strip, type Table } from './table';

/** Journal text is clipped, so that no entry comes near DynamoDB's item limit. */
export const JOURNAL_TEXT_LIMIT = 2048;
const JOURNAL_DETAIL_LIMIT = 16_384;
const boundedEntry = <T extends { error?: string; detail?: Record<string, unknown> }>(entry: T): T => {
  const bounded = { ...entry };
  if (typeof bounded.error === 'string' && bounded.error.length > JOURNAL_TEXT_LIMIT) {
    bounded.error = `${bounded.error.slice(0, JOURNAL_TEXT_LIMIT)}…`;
  }
  if (bounded.detail && JSON.stringify(bounded.detail).length > JOURNAL_DETAIL_LIMIT) {
    bounded.detail = { clipped: JSON.stringify(bounded.detail).slice(0, JOURNAL_TEXT_LIMIT) };
  }
  return bounded;
};

export interface JournalRepository {
  /** Appends an entry to an execution's journal, at `entry.at` or now. */
  journal(executionId: string, entry: Omit<JournalEntry, 'at'> & { at?: string }): Promise<void>;
  /** An execution's journal, in order. */
  readJournal(executionId: string): Promise<JournalEntry[]>;
}

/** What happened to an execution, one item per entry in the execution's partition. */
export class Journal implements JournalRepository {
  constructor(private readonly table: Table) {}

  async journal(executionId: string, entry: Omit<JournalEntry, 'at'> & { at?: string }): Promise<void> {
    const at = entry.at ?? this.table.clock.now().toISOString();
    await this.table.doc.send(
      new PutCommand({
        TableName: this.table.name,
        Item: { ...keys.journal(executionId, at, randomUUID().slice(0, 8)), ...boundedEntry(entry), at },
      }),
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
}
