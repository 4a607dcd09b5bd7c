import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { isFinal, type Execution, type Status } from '../domain/execution';
import { GSI1, keys } from './keys';
import { conditionally, setClauses, strip, type Table } from './table';

export interface TransitionRequest {
  /** The statuses the execution must be in for the change to apply. */
  from: readonly Status[];
  /** The new status; omitted to update fields without a status change. */
  to?: Status;
  /** Only when the execution is still at this version (nothing changed since it was read). */
  expectedVersion?: number;
  set?: Partial<Omit<Execution, 'executionId' | 'status' | 'version'>>;
}

export interface ExecutionRepository {
  /** Creates the execution; false when one with this id exists already. */
  createExecution(execution: Execution): Promise<boolean>;
  getExecution(executionId: string): Promise<Execution | undefined>;
  /**
   * Moves the execution from one of `from` to `to` (or only sets fields), incrementing its
   * version. Returns the new execution, or null when it was not in an expected status.
   * A final execution is never changed, whatever `from` says.
   */
  transition(executionId: string, request: TransitionRequest): Promise<Execution | null>;
  /** Executions currently in a status, oldest change first. */
  executionsInStatus(status: Status): Promise<Execution[]>;
  /** Ids of executions of an experiment, newest first. */
  executionsOfExperiment(experimentId: string, limit?: number): Promise<string[]>;
}

/** Executions: their state item (indexed by status) and a history item (indexed by experiment). */
export class Executions implements ExecutionRepository {
  constructor(private readonly table: Table) {}

  async createExecution(execution: Execution): Promise<boolean> {
    const created = await conditionally(() =>
      this.table.doc.send(
        new PutCommand({
          TableName: this.table.name,
          Item: {
            ...keys.execution(execution.executionId),
            gsi1pk: keys.byStatus(execution.status),
            gsi1sk: execution.updatedAt,
            ...execution,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );
    if (!created) return false;
    await this.table.doc.send(
      new PutCommand({
        TableName: this.table.name,
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
    const { Item } = await this.table.doc.send(
      new GetCommand({ TableName: this.table.name, Key: keys.execution(executionId), ConsistentRead: true }),
    );
    return Item ? strip<Execution>(Item) : undefined;
  }

  async transition(executionId: string, request: TransitionRequest): Promise<Execution | null> {
    const from = request.from.filter((s) => !isFinal(s));
    if (from.length === 0) return null;
    const now = this.table.clock.now().toISOString();
    const names: Record<string, string> = { '#status': 'status', '#version': 'version', '#updatedAt': 'updatedAt' };
    const values: Record<string, unknown> = { ':one': 1, ':now': now };
    const sets = ['#version = #version + :one', '#updatedAt = :now'];
    from.forEach((s, i) => {
      values[`:from${i}`] = s;
    });
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
    sets.push(...setClauses(request.set ?? {}, names, values));
    const statusIn = from.map((_, i) => `:from${i}`).join(', ');
    const updated = await conditionally(() =>
      this.table.doc.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: keys.execution(executionId),
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: `attribute_exists(pk) AND #status IN (${statusIn})${versionCondition}`,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      ),
    );
    return updated && strip<Execution>(updated.Attributes as Record<string, unknown>);
  }

  async executionsInStatus(status: Status): Promise<Execution[]> {
    const items = await this.table.queryAll({
      IndexName: GSI1,
      KeyConditionExpression: 'gsi1pk = :pk',
      ExpressionAttributeValues: { ':pk': keys.byStatus(status) },
    });
    return items.map((i) => strip<Execution>(i));
  }

  async executionsOfExperiment(experimentId: string, limit = 20): Promise<string[]> {
    const { Items } = await this.table.doc.send(
      new QueryCommand({
        TableName: this.table.name,
        IndexName: GSI1,
        KeyConditionExpression: 'gsi1pk = :pk',
        ExpressionAttributeValues: { ':pk': keys.byExperiment(experimentId) },
        ScanIndexForward: false,
        Limit: limit,
      }),
    );
    return (Items ?? []).map((i) => String(i.executionId));
  }
}
