import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from './keys';
import { conditionally, type Table } from './table';

export interface MarkRepository {
  /**
   * Marks that `what` was done for an execution: true the first time, false ever after. What must
   * happen at most once whatever the deliveries (the report function counting an execution in its
   * metrics) is done only by the caller that got true.
   */
  markOnce(executionId: string, what: string): Promise<boolean>;
}

/** Marks beside an execution's state: `MARK#<what>`, keys and the time only. */
export class Marks implements MarkRepository {
  constructor(private readonly table: Table) {}

  async markOnce(executionId: string, what: string): Promise<boolean> {
    const written = await conditionally(() =>
      this.table.doc.send(
        new PutCommand({
          TableName: this.table.name,
          Item: { ...keys.mark(executionId, what), storedAt: this.table.clock.now().toISOString() },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );
    return written !== null;
  }
}
