import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { BusEntry } from '../ports';
import { keys } from './keys';
import { conditionally, type Table } from './table';

/** What claiming an event found. */
export type EventClaim =
  | { kind: 'claimed' }
  | { kind: 'duplicate' }
  /** Another attempt holds the claim within its lock: this delivery must be retried, not dropped. */
  | { kind: 'in-progress' }
  /** Processed before, but its output events were never confirmed published: publish them again. */
  | { kind: 'unpublished'; outputs: BusEntry[] };

export interface EventClaimRepository {
  /**
   * Claims an event for a consumer. A claim in progress blocks duplicates until `lockMs` has
   * passed (a crashed attempt may then be retried); a finished one is a duplicate forever
   * (until its ttl).
   */
  claimEvent(consumer: string, eventId: string, lockMs: number, retentionMs: number): Promise<EventClaim>;
  /** Records that the event was processed and what it is to publish. */
  completeEvent(consumer: string, eventId: string, outputs: readonly BusEntry[]): Promise<void>;
  markPublished(consumer: string, eventId: string): Promise<void>;
  /** Gives a claim back after a failed attempt, so that the retry processes the event. */
  releaseEvent(consumer: string, eventId: string): Promise<void>;
}

/** Processed events (idempotency), one item per consumer and event, expiring by ttl. */
export class EventClaims implements EventClaimRepository {
  constructor(private readonly table: Table) {}

  async claimEvent(consumer: string, eventId: string, lockMs: number, retentionMs: number): Promise<EventClaim> {
    // A claim released between our put and our read would look like a duplicate: try twice.
    for (let attempt = 0; ; attempt++) {
      const claim = await this.tryClaimEvent(consumer, eventId, lockMs, retentionMs);
      if (claim !== 'released') return claim;
      if (attempt > 0) return { kind: 'in-progress' };
    }
  }

  private async tryClaimEvent(
    consumer: string,
    eventId: string,
    lockMs: number,
    retentionMs: number,
  ): Promise<EventClaim | 'released'> {
    const now = this.table.clock.now();
    const claimed = await conditionally(() =>
      this.table.doc.send(
        new PutCommand({
          TableName: this.table.name,
          Item: {
            ...keys.processedEvent(consumer, eventId),
            state: 'IN_PROGRESS',
            lockedUntil: new Date(now.getTime() + lockMs).toISOString(),
            ttl: Math.ceil((now.getTime() + retentionMs) / 1000),
          },
          ConditionExpression:
            'attribute_not_exists(pk) OR (#state = :inProgress AND lockedUntil < :now) OR #ttl < :nowEpoch',
          ExpressionAttributeNames: { '#state': 'state', '#ttl': 'ttl' },
          ExpressionAttributeValues: {
            ':inProgress': 'IN_PROGRESS',
            ':now': now.toISOString(),
            ':nowEpoch': Math.floor(now.getTime() / 1000),
          },
        }),
      ),
    );
    if (claimed) return { kind: 'claimed' };
    const { Item } = await this.table.doc.send(
      new GetCommand({ TableName: this.table.name, Key: keys.processedEvent(consumer, eventId), ConsistentRead: true }),
    );
    if (Item?.state === 'PROCESSED' && Item.published === false) {
      return { kind: 'unpublished', outputs: JSON.parse(String(Item.outputs)) as BusEntry[] };
    }
    if (Item?.state === 'IN_PROGRESS') return { kind: 'in-progress' };
    if (!Item) return 'released';
    return { kind: 'duplicate' };
  }

  async completeEvent(consumer: string, eventId: string, outputs: readonly BusEntry[]): Promise<void> {
    await this.table.doc.send(
      new UpdateCommand({
        TableName: this.table.name,
        Key: keys.processedEvent(consumer, eventId),
        UpdateExpression: 'SET #state = :processed, published = :false, outputs = :outputs REMOVE lockedUntil',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: { ':processed': 'PROCESSED', ':false': false, ':outputs': JSON.stringify(outputs) },
      }),
    );
  }

  async markPublished(consumer: string, eventId: string): Promise<void> {
    await this.table.doc.send(
      new UpdateCommand({
        TableName: this.table.name,
        Key: keys.processedEvent(consumer, eventId),
        UpdateExpression: 'SET published = :true REMOVE outputs',
        ExpressionAttributeValues: { ':true': true },
      }),
    );
  }

  async releaseEvent(consumer: string, eventId: string): Promise<void> {
    await conditionally(() =>
      this.table.doc.send(
        new DeleteCommand({
          TableName: this.table.name,
          Key: keys.processedEvent(consumer, eventId),
          ConditionExpression: '#state = :inProgress',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: { ':inProgress': 'IN_PROGRESS' },
        }),
      ),
    );
  }
}
