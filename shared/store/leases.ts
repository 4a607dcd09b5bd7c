import { DeleteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { isFinal } from '../domain/execution';
import type { ExecutionRepository } from './executions';
import { keys } from './keys';
import { conditionally, type Table } from './table';

/** A lease on a target: who holds it, and whether only a person may give it back. */
export interface Lease {
  targetKey: string;
  executionId: string;
  pinned: boolean;
  reason?: string;
  at?: string;
}

export interface LeaseRepository {
  /**
   * Takes the lease on a target for an execution; false when another execution holds it. A lease
   * never expires by time: it is held until its execution gives it back, or (once that execution
   * is final and may have left no fault) it is taken over. A pinned lease (ROLLBACK_FAILED) is
   * given back by a person only (`releaseLeaseByHand`).
   */
  acquireLease(targetKey: string, executionId: string): Promise<boolean>;
  /**
   * Pins the lease of an execution that may have left a fault active: nobody else takes the target
   * until a person releases it. Creates the lease when it had been given back meanwhile.
   */
  pinLease(targetKey: string, executionId: string, reason: string): Promise<boolean>;
  /** Releases a lease this execution holds (never a pinned one); another execution's lease is left alone. */
  releaseLease(targetKey: string, executionId: string): Promise<void>;
  /** A person gives a target back after checking it (pinned or not); the former lease, or undefined. */
  releaseLeaseByHand(targetKey: string): Promise<Lease | undefined>;
  lease(targetKey: string): Promise<Lease | undefined>;
  leaseHolder(targetKey: string): Promise<string | undefined>;
}

const toLease = (item: Record<string, unknown>): Lease => ({
  targetKey: String(item.targetKey),
  executionId: String(item.executionId),
  pinned: item.pinned === true,
  ...(typeof item.reason === 'string' ? { reason: item.reason } : {}),
  ...(typeof item.at === 'string' ? { at: item.at } : {}),
});

/** Target leases, one item per target; a lease is taken over after reading its holder's execution. */
export class Leases implements LeaseRepository {
  constructor(
    private readonly table: Table,
    private readonly executions: Pick<ExecutionRepository, 'getExecution'>,
  ) {}

  async acquireLease(targetKey: string, executionId: string): Promise<boolean> {
    const item = { ...keys.lease(targetKey), targetKey, executionId, at: this.table.clock.now().toISOString() };
    const taken = await conditionally(() =>
      this.table.doc.send(
        new PutCommand({
          TableName: this.table.name,
          Item: item,
          ConditionExpression: 'attribute_not_exists(pk) OR (executionId = :me AND attribute_not_exists(pinned))',
          ExpressionAttributeValues: { ':me': executionId },
        }),
      ),
    );
    if (taken) return true;
    const lease = await this.lease(targetKey);
    if (!lease || lease.pinned || lease.executionId === executionId) return false;
    const holder = await this.executions.getExecution(lease.executionId);
    // Only a holder that ended without a fault left behind gives its lease up.
    if (holder && (!isFinal(holder.status) || holder.status === 'ROLLBACK_FAILED')) return false;
    const takenOver = await conditionally(() =>
      this.table.doc.send(
        new PutCommand({
          TableName: this.table.name,
          Item: item,
          ConditionExpression: 'executionId = :holder AND attribute_not_exists(pinned)',
          ExpressionAttributeValues: { ':holder': lease.executionId },
        }),
      ),
    );
    return takenOver !== null;
  }

  async pinLease(targetKey: string, executionId: string, reason: string): Promise<boolean> {
    const at = this.table.clock.now().toISOString();
    const pinned = await conditionally(() =>
      this.table.doc.send(
        new PutCommand({
          TableName: this.table.name,
          Item: { ...keys.lease(targetKey), targetKey, executionId, pinned: true, reason: reason.slice(0, 1024), at },
          ConditionExpression: 'attribute_not_exists(pk) OR executionId = :me',
          ExpressionAttributeValues: { ':me': executionId },
        }),
      ),
    );
    return pinned !== null;
  }

  async releaseLease(targetKey: string, executionId: string): Promise<void> {
    await conditionally(() =>
      this.table.doc.send(
        new DeleteCommand({
          TableName: this.table.name,
          Key: keys.lease(targetKey),
          ConditionExpression: 'executionId = :me AND attribute_not_exists(pinned)',
          ExpressionAttributeValues: { ':me': executionId },
        }),
      ),
    );
  }

  async releaseLeaseByHand(targetKey: string): Promise<Lease | undefined> {
    const released = await conditionally(() =>
      this.table.doc.send(
        new DeleteCommand({
          TableName: this.table.name,
          Key: keys.lease(targetKey),
          ConditionExpression: 'attribute_exists(pk)',
          ReturnValues: 'ALL_OLD',
        }),
      ),
    );
    return released?.Attributes ? toLease(released.Attributes) : undefined;
  }

  async lease(targetKey: string): Promise<Lease | undefined> {
    const { Item } = await this.table.doc.send(
      new GetCommand({ TableName: this.table.name, Key: keys.lease(targetKey), ConsistentRead: true }),
    );
    return Item ? toLease(Item) : undefined;
  }

  async leaseHolder(targetKey: string): Promise<string | undefined> {
    return (await this.lease(targetKey))?.executionId;
  }
}
