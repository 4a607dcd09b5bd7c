import {
  ConditionalCheckFailedException,
  type CreateTableCommandInput,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import type { Clock } from '../ports';
import { GSI1 } from './keys';

/**
 * The table's key schema, used to create it in the embedded store. serverless.yml declares the
 * same shape for AWS; a test checks that the two agree.
 */
export const tableDefinition = (tableName: string): CreateTableCommandInput => ({
  TableName: tableName,
  BillingMode: 'PAY_PER_REQUEST',
  AttributeDefinitions: [
    { AttributeName: 'pk', AttributeType: 'S' },
    { AttributeName: 'sk', AttributeType: 'S' },
    { AttributeName: 'gsi1pk', AttributeType: 'S' },
    { AttributeName: 'gsi1sk', AttributeType: 'S' },
  ],
  KeySchema: [
    { AttributeName: 'pk', KeyType: 'HASH' },
    { AttributeName: 'sk', KeyType: 'RANGE' },
  ],
  GlobalSecondaryIndexes: [
    {
      IndexName: GSI1,
      KeySchema: [
        { AttributeName: 'gsi1pk', KeyType: 'HASH' },
        { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'ALL' },
    },
  ],
});

const isConditionalFailure = (error: unknown): boolean =>
  error instanceof ConditionalCheckFailedException ||
  (error as { name?: string } | undefined)?.name === 'ConditionalCheckFailedException';

/**
 * Sends a conditional write. A failed condition is a domain answer, `null`, here and nowhere
 * else; any other error is thrown on.
 */
export const conditionally = async <T>(send: () => Promise<T>): Promise<T | null> => {
  try {
    return await send();
  } catch (error) {
    if (isConditionalFailure(error)) return null;
    throw error;
  }
};

/** An item without its table attributes (keys, index keys, ttl). */
export const strip = <T>(item: Record<string, unknown>): T => {
  const { pk: _pk, sk: _sk, gsi1pk: _g1, gsi1sk: _g2, ttl: _ttl, ...rest } = item;
  return rest as T;
};

/**
 * `SET` clauses for the defined fields of `fields`, adding their placeholders to `names` and
 * `values` (`#f<i>`, `:v<i>`, numbered by position in `fields`).
 */
export const setClauses = (
  fields: Record<string, unknown>,
  names: Record<string, string>,
  values: Record<string, unknown>,
): string[] =>
  Object.entries(fields).flatMap(([field, value], i) => {
    if (value === undefined) return [];
    names[`#f${i}`] = field;
    values[`:v${i}`] = value;
    return [`#f${i} = :v${i}`];
  });

/** The one table (docs/architecture.md §4) as the repositories share it: its client, name and clock. */
export class Table {
  readonly doc: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    readonly name: string,
    readonly clock: Clock,
  ) {
    this.doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  }

  /** Every item a query finds, page after page. */
  async queryAll(input: Omit<QueryCommandInput, 'TableName'>): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const query = new QueryCommand({ TableName: this.name, ...input, ExclusiveStartKey: startKey });
      const page = await this.doc.send(query);
      items.push(...((page.Items ?? []) as Record<string, unknown>[]));
      startKey = page.LastEvaluatedKey as Record<string, unknown> | undefined;
    } while (startKey);
    return items;
  }
}
