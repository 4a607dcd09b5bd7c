import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from './keys';
import { conditionally, strip, type Table } from './table';

/** Free-form records of other flows (pipeline runs, gate runs, game-day runs), each under its kind and id. */
export interface RecordRepository {
  /** Creates a record once; false when it exists (e.g. "this pipeline execution was handled"). */
  putRecordOnce(kind: string, id: string, body: Record<string, unknown>): Promise<boolean>;
  getRecord<T = Record<string, unknown>>(kind: string, id: string): Promise<T | undefined>;
  /** Updates fields of a record, optionally only when `field` has one of `expected` values; false otherwise. */
  updateRecord(
    kind: string,
    id: string,
    set: Record<string, unknown>,
    condition?: { field: string; expected: readonly unknown[] },
  ): Promise<boolean>;
}

export class Records implements RecordRepository {
  constructor(private readonly table: Table) {}

  async putRecordOnce(kind: string, id: string, body: Record<string, unknown>): Promise<boolean> {
    const created = await conditionally(() =>
      this.table.doc.send(
        new PutCommand({
          TableName: this.table.name,
          Item: { ...keys.record(kind, id), ...body },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );
    return created !== null;
  }

  async getRecord<T = Record<string, unknown>>(kind: string, id: string): Promise<T | undefined> {
    const { Item } = await this.table.doc.send(
      new GetCommand({ TableName: this.table.name, Key: keys.record(kind, id), ConsistentRead: true }),
    );
    return Item ? strip<T>(Item) : undefined;
  }

  async updateRecord(
    kind: string,
    id: string,
    set: Record<string, unknown>,
    condition?: { field: string; expected: readonly unknown[] },
  ): Promise<boolean> {
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = {};
    // Every field is set, an undefined one too: DynamoDB refuses the request rather than skip it.
    const sets = Object.entries(set).map(([field, value], i) => {
      names[`#f${i}`] = field;
      values[`:v${i}`] = value;
      return `#f${i} = :v${i}`;
    });
    let conditionExpression = 'attribute_exists(pk)';
    if (condition) {
      names['#cond'] = condition.field;
      condition.expected.forEach((v, i) => {
        values[`:c${i}`] = v;
      });
      conditionExpression += ` AND #cond IN (${condition.expected.map((_, i) => `:c${i}`).join(', ')})`;
    }
    const updated = await conditionally(() =>
      this.table.doc.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: keys.record(kind, id),
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: conditionExpression,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      ),
    );
    return updated !== null;
  }
}
