import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { randomUUID } from 'node:crypto';
import type { Execution, FaultRecord, FaultState, JournalEntry, Status } from '../domain/execution';
import { FINAL_STATUSES } from '../domain/execution';
import type { Template } from '../domain/template';
import type { BusEntry, Clock } from '../ports';
import { FaultlineError } from '../errors';
import { GSI1, keys } from './keys';

const isConditionalFailure = (error: unknown): boolean =>
  error instanceof ConditionalCheckFailedException || (error as { name?: string })?.name === 'ConditionalCheckFailedException';

/** What claiming an event found. */
export type EventClaim =
  | { kind: 'claimed' }
  | { kind: 'duplicate' }
  /** Another attempt holds the claim within its lock: this delivery must be retried, not dropped. */
  | { kind: 'in-progress' }
  /** Processed before, but its output events were never confirmed published: publish them again. */
  | { kind: 'unpublished'; outputs: BusEntry[] };

export interface TransitionRequest {
  /** The statuses the execution must be in for the change to apply. */
  from: readonly Status[];
  /** The new status; omitted to update fields without a status change. */
  to?: Status;
  /** Only when the execution is still at this version (nothing changed since it was read). */
  expectedVersion?: number;
  set?: Partial<Omit<Execution, 'executionId' | 'status' | 'version'>>;
}

/** A lease on a target: who holds it, and whether only a person may give it back. */
export interface Lease {
  targetKey: string;
  executionId: string;
  pinned: boolean;
  reason?: string;
  at?: string;
}

const toLease = (item: Record<string, unknown>): Lease => ({
  targetKey: String(item.targetKey),
  executionId: String(item.executionId),
  pinned: item.pinned === true,
  ...(typeof item.reason === 'string' ? { reason: item.reason } : {}),
  ...(typeof item.at === 'string' ? { at: item.at } : {}),
});

const isFinalStatus = (status: Status) => (FINAL_STATUSES as readonly Status[]).includes(status);

/** Journal text is clipped, so that no entry comes near DynamoDB's item limit. */
export const JOURNAL_TEXT_LIMIT = 2048;
const JOURNAL_DETAIL_LIMIT = 16_384;
const boundedEntry = <T extends { error?: string; detail?: Record<string, unknown> }>(entry: T): T => {
  const bounded = { ...entry };
  if (typeof bounded.error === 'string' && bounded.error.length > JOURNAL_TEXT_LIMIT) bounded.error = `${bounded.error.slice(0, JOURNAL_TEXT_LIMIT)}…`;
  if (bounded.detail && JSON.stringify(bounded.detail).length > JOURNAL_DETAIL_LIMIT) {
    bounded.detail = { clipped: JSON.stringify(bounded.detail).slice(0, JOURNAL_TEXT_LIMIT) };
  }
  return bounded;
};

const strip = <T extends Record<string, unknown>>(item: T): T => {
  const { pk: _pk, sk: _sk, gsi1pk: _g1, gsi1sk: _g2, ttl: _ttl, ...rest } = item as Record<string, unknown>;
  return rest as T;
};

/** What the phases work with: the store's public methods (an in-memory twin serves the interleaving tests). */
export type Store = { [K in keyof ExecutionStore]: ExecutionStore[K] };

/**
 * The execution store on DynamoDB (one table, docs/architecture.md §4). Every status change is a
 * single-item conditional write; a failed condition becomes a domain answer here (`null`,
 * `false`) and nowhere else.
 */
export class ExecutionStore {
  private readonly doc: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    private readonly tableName: string,
    private readonly clock: Clock = { now: () => new Date() },
  ) {
    this.doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  }

  // ---- templates ---------------------------------------------------------------------------

  /** Stores a template version; the same version with other content is refused. */
  async putTemplate(template: Template): Promise<void> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...keys.template(template.id, template.version), template, storedAt: this.clock.now().toISOString() },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      if (!isConditionalFailure(error)) throw error;
      const stored = await this.getTemplate(template.id, template.version);
      if (JSON.stringify(stored) !== JSON.stringify(template)) {
        throw new FaultlineError(
          `template ${template.id} version ${template.version} is already stored with other content: raise its version`,
        );
      }
    }
  }

  /** A stored template version, or the newest one when no version is given. */
  async getTemplate(id: string, version?: number): Promise<Template | undefined> {
    if (version !== undefined) {
      const { Item } = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: keys.template(id, version) }));
      return Item?.template as Template | undefined;
    }
    const { Items } = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :v)',
        ExpressionAttributeValues: { ':pk': keys.templatePartition(id), ':v': 'V#' },
        ScanIndexForward: false,
        Limit: 1,
      }),
    );
    return Items?.[0]?.template as Template | undefined;
  }

  // ---- executions --------------------------------------------------------------------------

  /** Creates the execution; false when one with this id exists already. */
  async createExecution(execution: Execution): Promise<boolean> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...keys.execution(execution.executionId),
            gsi1pk: keys.byStatus(execution.status),
            gsi1sk: execution.updatedAt,
            ...execution,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      if (isConditionalFailure(error)) return false;
      throw error;
    }
    await this.doc.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...keys.history(execution.executionId),
          gsi1pk: keys.byExperiment(execution.experimentId),
          gsi1sk: `${execution.requestedAt}#${execution.executionId}`,
          executionId: execution.executionId,
          experimentId: execution.experimentId,
          requestedAt: execution.requestedAt,
        },
      }),
    );
    return true;
  }

  async getExecution(executionId: string): Promise<Execution | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: keys.execution(executionId), ConsistentRead: true }),
    );
    return Item ? strip(Item as Execution & Record<string, unknown>) : undefined;
  }

  /**
   * Moves the execution from one of `from` to `to` (or only sets fields), incrementing its
   * version. Returns the new execution, or null when it was not in an expected status.
   * A final execution is never changed, whatever `from` says.
   */
  async transition(executionId: string, request: TransitionRequest): Promise<Execution | null> {
    const from = request.from.filter((s) => !(FINAL_STATUSES as readonly Status[]).includes(s));
    if (from.length === 0) return null;
    const now = this.clock.now().toISOString();
    const names: Record<string, string> = { '#status': 'status', '#version': 'version', '#updatedAt': 'updatedAt' };
    const values: Record<string, unknown> = { ':one': 1, ':now': now };
    const sets = ['#version = #version + :one', '#updatedAt = :now'];
    from.forEach((s, i) => (values[`:from${i}`] = s));
    let versionCondition = '';
    if (request.expectedVersion !== undefined) {
      values[':expected'] = request.expectedVersion;
      versionCondition = ' AND #version = :expected';
    }
    if (request.to) {
      names['#gsi1pk'] = 'gsi1pk';
      names['#gsi1sk'] = 'gsi1sk';
      values[':to'] = request.to;
      values[':gsi1pk'] = keys.byStatus(request.to);
      sets.push('#status = :to', '#gsi1pk = :gsi1pk', '#gsi1sk = :now');
    }
    Object.entries(request.set ?? {}).forEach(([field, value], i) => {
      if (value === undefined) return;
      names[`#f${i}`] = field;
      values[`:v${i}`] = value;
      sets.push(`#f${i} = :v${i}`);
    });
    try {
      const { Attributes } = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.execution(executionId),
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: `attribute_exists(pk) AND #status IN (${from.map((_, i) => `:from${i}`).join(', ')})${versionCondition}`,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      );
      return strip(Attributes as Execution & Record<string, unknown>);
    } catch (error) {
      if (isConditionalFailure(error)) return null;
      throw error;
    }
  }

  /** Executions currently in a status (gsi1), oldest change first. */
  async executionsInStatus(status: Status): Promise<Execution[]> {
    const items = await this.queryAll({
      TableName: this.tableName,
      IndexName: GSI1,
      KeyConditionExpression: 'gsi1pk = :pk',
      ExpressionAttributeValues: { ':pk': keys.byStatus(status) },
    });
    return items.map((i) => strip(i as Execution & Record<string, unknown>));
  }

  /** Ids of executions of an experiment, newest first (gsi1). */
  async executionsOfExperiment(experimentId: string, limit = 20): Promise<string[]> {
    const { Items } = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: GSI1,
        KeyConditionExpression: 'gsi1pk = :pk',
        ExpressionAttributeValues: { ':pk': keys.byExperiment(experimentId) },
        ScanIndexForward: false,
        Limit: limit,
      }),
    );
    return (Items ?? []).map((i) => String(i.executionId));
  }

  // ---- journal -----------------------------------------------------------------------------

  async journal(executionId: string, entry: Omit<JournalEntry, 'at'> & { at?: string }): Promise<void> {
    const at = entry.at ?? this.clock.now().toISOString();
    await this.doc.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...keys.journal(executionId, at, randomUUID().slice(0, 8)), ...boundedEntry(entry), at },
      }),
    );
  }

  async readJournal(executionId: string): Promise<JournalEntry[]> {
    const items = await this.queryAll({
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :p)',
      ExpressionAttributeValues: { ':pk': keys.executionPartition(executionId), ':p': keys.journalPrefix },
      ConsistentRead: true,
    });
    return items.map((i) => strip(i as JournalEntry & Record<string, unknown>));
  }

  // ---- injected faults ---------------------------------------------------------------------

  /** Records a fault before it is injected; false when it is recorded already. */
  async recordFault(fault: FaultRecord): Promise<boolean> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...keys.fault(fault.executionId, fault.action, fault.target.key), ...fault },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalFailure(error)) return false;
      throw error;
    }
  }

  /** Moves a fault record between states; null when it was not in one of `from`. */
  async updateFault(
    fault: Pick<FaultRecord, 'executionId' | 'action' | 'target'>,
    from: readonly FaultState[],
    to: FaultState,
    set: Partial<Pick<FaultRecord, 'handle' | 'injectedAt' | 'revertedAt' | 'error'>> = {},
  ): Promise<FaultRecord | null> {
    const names: Record<string, string> = { '#state': 'state' };
    const values: Record<string, unknown> = { ':to': to };
    const sets = ['#state = :to'];
    from.forEach((s, i) => (values[`:from${i}`] = s));
    Object.entries(set).forEach(([field, value], i) => {
      if (value === undefined) return;
      names[`#f${i}`] = field;
      values[`:v${i}`] = value;
      sets.push(`#f${i} = :v${i}`);
    });
    try {
      const { Attributes } = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.fault(fault.executionId, fault.action, fault.target.key),
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: `#state IN (${from.map((_, i) => `:from${i}`).join(', ')})`,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      );
      return strip(Attributes as FaultRecord & Record<string, unknown>);
    } catch (error) {
      if (isConditionalFailure(error)) return null;
      throw error;
    }
  }

  async listFaults(executionId: string): Promise<FaultRecord[]> {
    const items = await this.queryAll({
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :p)',
      ExpressionAttributeValues: { ':pk': keys.executionPartition(executionId), ':p': keys.faultPrefix },
      // Revert lists the faults right after its own status change: it must see every record
      // written before that change (inject records a fault, then checks the status).
      ConsistentRead: true,
    });
    return items.map((i) => strip(i as FaultRecord & Record<string, unknown>));
  }

  // ---- leases ------------------------------------------------------------------------------

  /**
   * Takes the lease on a target for an execution; false when another execution holds it. A lease
   * never expires by time: it is held until its execution gives it back, or (once that execution
   * is final and may have left no fault) it is taken over. A pinned lease (ROLLBACK_FAILED) is
   * given back by a person only (`releaseLease` with `by`).
   */
  async acquireLease(targetKey: string, executionId: string): Promise<boolean> {
    const item = { ...keys.lease(targetKey), targetKey, executionId, at: this.clock.now().toISOString() };
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: item,
          ConditionExpression: 'attribute_not_exists(pk) OR (executionId = :me AND attribute_not_exists(pinned))',
          ExpressionAttributeValues: { ':me': executionId },
        }),
      );
      return true;
    } catch (error) {
      if (!isConditionalFailure(error)) throw error;
    }
    const lease = await this.lease(targetKey);
    if (!lease || lease.pinned || lease.executionId === executionId) return false;
    const holder = await this.getExecution(lease.executionId);
    // Only a holder that ended without a fault left behind gives its lease up.
    if (holder && (!isFinalStatus(holder.status) || holder.status === 'ROLLBACK_FAILED')) return false;
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: item,
          ConditionExpression: 'executionId = :holder AND attribute_not_exists(pinned)',
          ExpressionAttributeValues: { ':holder': lease.executionId },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalFailure(error)) return false;
      throw error;
    }
  }

  /**
   * Pins the lease of an execution that may have left a fault active: nobody else takes the target
   * until a person releases it. Creates the lease when it had been given back meanwhile.
   */
  async pinLease(targetKey: string, executionId: string, reason: string): Promise<boolean> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...keys.lease(targetKey), targetKey, executionId, pinned: true, reason: reason.slice(0, 1024), at: this.clock.now().toISOString() },
          ConditionExpression: 'attribute_not_exists(pk) OR executionId = :me',
          ExpressionAttributeValues: { ':me': executionId },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalFailure(error)) return false;
      throw error;
    }
  }

  /** Releases a lease this execution holds (never a pinned one); another execution's lease is left alone. */
  async releaseLease(targetKey: string, executionId: string): Promise<void> {
    try {
      await this.doc.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: keys.lease(targetKey),
          ConditionExpression: 'executionId = :me AND attribute_not_exists(pinned)',
          ExpressionAttributeValues: { ':me': executionId },
        }),
      );
    } catch (error) {
      if (!isConditionalFailure(error)) throw error;
    }
  }

  /** A person gives a target back after checking it (pinned or not); the former lease, or undefined. */
  async releaseLeaseByHand(targetKey: string): Promise<Lease | undefined> {
    try {
      const { Attributes } = await this.doc.send(
        new DeleteCommand({ TableName: this.tableName, Key: keys.lease(targetKey), ConditionExpression: 'attribute_exists(pk)', ReturnValues: 'ALL_OLD' }),
      );
      return Attributes ? toLease(Attributes) : undefined;
    } catch (error) {
      if (isConditionalFailure(error)) return undefined;
      throw error;
    }
  }

  async lease(targetKey: string): Promise<Lease | undefined> {
    const { Item } = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: keys.lease(targetKey), ConsistentRead: true }));
    return Item ? toLease(Item) : undefined;
  }

  async leaseHolder(targetKey: string): Promise<string | undefined> {
    return (await this.lease(targetKey))?.executionId;
  }

  // ---- alarm watches (guard's access pattern) ----------------------------------------------

  async watchAlarms(executionId: string, alarmNames: readonly string[]): Promise<void> {
    for (const alarmName of alarmNames) {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...keys.watch(executionId, alarmName), gsi1pk: keys.byAlarm(alarmName), gsi1sk: executionId, executionId, alarmName },
        }),
      );
    }
  }

  async unwatchAlarms(executionId: string, alarmNames: readonly string[]): Promise<void> {
    for (const alarmName of alarmNames) {
      await this.doc.send(new DeleteCommand({ TableName: this.tableName, Key: keys.watch(executionId, alarmName) }));
    }
  }

  /** Executions that named this alarm as a stop condition and have not finished. */
  async executionsWatchingAlarm(alarmName: string): Promise<string[]> {
    const items = await this.queryAll({
      TableName: this.tableName,
      IndexName: GSI1,
      KeyConditionExpression: 'gsi1pk = :pk',
      ExpressionAttributeValues: { ':pk': keys.byAlarm(alarmName) },
    });
    return items.map((i) => String(i.executionId));
  }

  // ---- processed events (idempotency) ------------------------------------------------------

  /**
   * Claims an event for a consumer. A claim in progress blocks duplicates until `lockMs` has
   * passed (a crashed attempt may then be retried); a finished one is a duplicate forever
   * (until its ttl).
   */
  async claimEvent(consumer: string, eventId: string, lockMs: number, retentionMs: number): Promise<EventClaim> {
    // A claim released between our put and our read would look like a duplicate: try twice.
    for (let attempt = 0; ; attempt++) {
      const claim = await this.tryClaimEvent(consumer, eventId, lockMs, retentionMs);
      if (claim !== 'released') return claim;
      if (attempt > 0) return { kind: 'in-progress' };
    }
  }

  private async tryClaimEvent(consumer: string, eventId: string, lockMs: number, retentionMs: number): Promise<EventClaim | 'released'> {
    const now = this.clock.now();
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
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
      );
      return { kind: 'claimed' };
    } catch (error) {
      if (!isConditionalFailure(error)) throw error;
    }
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: keys.processedEvent(consumer, eventId), ConsistentRead: true }),
    );
    if (Item?.state === 'PROCESSED' && Item.published === false) {
      return { kind: 'unpublished', outputs: JSON.parse(String(Item.outputs)) as BusEntry[] };
    }
    if (Item?.state === 'IN_PROGRESS') return { kind: 'in-progress' };
    if (!Item) return 'released';
    return { kind: 'duplicate' };
  }

  /** Records that the event was processed and what it is to publish. */
  async completeEvent(consumer: string, eventId: string, outputs: readonly BusEntry[]): Promise<void> {
    await this.doc.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.processedEvent(consumer, eventId),
        UpdateExpression: 'SET #state = :processed, published = :false, outputs = :outputs REMOVE lockedUntil',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: { ':processed': 'PROCESSED', ':false': false, ':outputs': JSON.stringify(outputs) },
      }),
    );
  }

  async markPublished(consumer: string, eventId: string): Promise<void> {
    await this.doc.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.processedEvent(consumer, eventId),
        UpdateExpression: 'SET published = :true REMOVE outputs',
        ExpressionAttributeValues: { ':true': true },
      }),
    );
  }

  /** Gives a claim back after a failed attempt, so that the retry processes the event. */
  async releaseEvent(consumer: string, eventId: string): Promise<void> {
    await this.doc.send(
      new DeleteCommand({
        TableName: this.tableName,
        Key: keys.processedEvent(consumer, eventId),
        ConditionExpression: '#state = :inProgress',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: { ':inProgress': 'IN_PROGRESS' },
      }),
    ).catch((error: unknown) => {
      if (!isConditionalFailure(error)) throw error;
    });
  }

  // ---- halt switch -------------------------------------------------------------------------

  async halt(reason: string, by: string): Promise<void> {
    await this.doc.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...keys.halt(), reason, by, at: this.clock.now().toISOString() },
      }),
    );
  }

  async resume(): Promise<void> {
    await this.doc.send(new DeleteCommand({ TableName: this.tableName, Key: keys.halt() }));
  }

  async haltState(): Promise<{ reason: string; by: string; at: string } | undefined> {
    const { Item } = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: keys.halt(), ConsistentRead: true }));
    return Item ? { reason: String(Item.reason), by: String(Item.by), at: String(Item.at) } : undefined;
  }

  // ---- records of other flows --------------------------------------------------------------

  /** Creates a record once; false when it exists (e.g. "this pipeline execution was handled"). */
  async putRecordOnce(kind: string, id: string, body: Record<string, unknown>): Promise<boolean> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...keys.record(kind, id), ...body },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalFailure(error)) return false;
      throw error;
    }
  }

  async getRecord<T = Record<string, unknown>>(kind: string, id: string): Promise<T | undefined> {
    const { Item } = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: keys.record(kind, id), ConsistentRead: true }));
    return Item ? (strip(Item) as T) : undefined;
  }

  /** Updates fields of a record, optionally only when `field` has one of `expected` values. */
  async updateRecord(
    kind: string,
    id: string,
    set: Record<string, unknown>,
    condition?: { field: string; expected: readonly unknown[] },
  ): Promise<boolean> {
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = {};
    const sets: string[] = [];
    Object.entries(set).forEach(([field, value], i) => {
      names[`#f${i}`] = field;
      values[`:v${i}`] = value;
      sets.push(`#f${i} = :v${i}`);
    });
    let conditionExpression = 'attribute_exists(pk)';
    if (condition) {
      names['#cond'] = condition.field;
      condition.expected.forEach((v, i) => (values[`:c${i}`] = v));
      conditionExpression += ` AND #cond IN (${condition.expected.map((_, i) => `:c${i}`).join(', ')})`;
    }
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.record(kind, id),
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: conditionExpression,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalFailure(error)) return false;
      throw error;
    }
  }

  private async queryAll(input: QueryCommandInput): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(new QueryCommand({ ...input, ExclusiveStartKey: startKey }));
      items.push(...((page.Items ?? []) as Record<string, unknown>[]));
      startKey = page.LastEvaluatedKey as Record<string, unknown> | undefined;
    } while (startKey);
    return items;
  }
}
