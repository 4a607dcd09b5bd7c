import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { FaultRecord, FaultState } from '../domain/execution';
import { keys } from './keys';
import { conditionally, setClauses, strip, type Table } from './table';

export interface FaultRepository {
  /** Records a fault before it is injected; false when it is recorded already. */
  recordFault(fault: FaultRecord): Promise<boolean>;
  /** Moves a fault record between states; null when it was not in one of `from`. */
  updateFault(
    fault: Pick<FaultRecord, 'executionId' | 'action' | 'target'>,
    from: readonly FaultState[],
    to: FaultState,
    set?: Partial<Pick<FaultRecord, 'handle' | 'injectedAt' | 'revertedAt' | 'error'>>,
  ): Promise<FaultRecord | null>;
  /** The faults recorded for an execution. */
  listFaults(executionId: string): Promise<FaultRecord[]>;
}

/** Injected faults, one item per action and target in the execution's partition. */
export class Faults implements FaultRepository {
  constructor(private readonly table: Table) {}

  async recordFault(fault: FaultRecord): Promise<boolean> {
    const recorded = await conditionally(() =>
      this.table.doc.send(
        new PutCommand({
          TableName: this.table.name,
          Item: { ...keys.fault(fault.executionId, fault.action, fault.target.key), ...fault },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );
    return recorded !== null;
  }

  async updateFault(
    fault: Pick<FaultRecord, 'executionId' | 'action' | 'target'>,
    from: readonly FaultState[],
    to: FaultState,
    set: Partial<Pick<FaultRecord, 'handle' | 'injectedAt' | 'revertedAt' | 'error'>> = {},
  ): Promise<FaultRecord | null> {
    const names: Record<string, string> = { '#state': 'state' };
    const values: Record<string, unknown> = { ':to': to };
    from.forEach((s, i) => {
      values[`:from${i}`] = s;
    });
    const sets = ['#state = :to', ...setClauses(set, names, values)];
    const updated = await conditionally(() =>
      this.table.doc.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: keys.fault(fault.executionId, fault.action, fault.target.key),
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: `#state IN (${from.map((_, i) => `:from${i}`).join(', ')})`,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      ),
    );
    return updated && strip<FaultRecord>(updated.Attributes as Record<string, unknown>);
  }

  async listFaults(executionId: string): Promise<FaultRecord[]> {
    const items = await this.table.queryAll({
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :p)',
      ExpressionAttributeValues: { ':pk': keys.executionPartition(executionId), ':p': keys.faultPrefix },
      // Revert lists the faults right after its own status change: it must see every record
      // written before that change (inject records a fault, then checks the status).
      ConsistentRead: true,
    });
    return items.map((i) => strip<FaultRecord>(i));
  }
}
