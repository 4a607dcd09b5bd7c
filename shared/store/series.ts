import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { ExecutionSeries } from '../domain/series';
import { keys } from './keys';
import { conditionally, type Table } from './table';

/** A series document larger than this is not stored (DynamoDB items end at 400 KB). */
const SERIES_BYTES_LIMIT = 300_000;

export interface SeriesRepository {
  /**
   * Stores an execution's series, once: a second write (a duplicate event, a second reader)
   * changes nothing and answers false.
   */
  putSeries(executionId: string, series: ExecutionSeries): Promise<boolean>;
  /** The series of an execution, or null when none was recorded. */
  readSeries(executionId: string): Promise<ExecutionSeries | null>;
}

/** The body that is stored: the series as JSON, or a note of why it was too large. */
export const seriesBody = (series: ExecutionSeries): string => {
  const body = JSON.stringify(series);
  if (Buffer.byteLength(body) <= SERIES_BYTES_LIMIT) return body;
  return JSON.stringify({
    ...series,
    series: [],
    unavailable: `${Buffer.byteLength(body)} bytes of series is more than the ${SERIES_BYTES_LIMIT} a record holds`,
  });
};

/** An execution's figures over time (series.ts in the domain), one item beside its state. */
export class SeriesRecords implements SeriesRepository {
  constructor(private readonly table: Table) {}

  async putSeries(executionId: string, series: ExecutionSeries): Promise<boolean> {
    const written = await conditionally(() =>
      this.table.doc.send(
        new PutCommand({
          TableName: this.table.name,
          Item: {
            ...keys.series(executionId),
            body: seriesBody(series),
            storedAt: this.table.clock.now().toISOString(),
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );
    return written !== null;
  }

  async readSeries(executionId: string): Promise<ExecutionSeries | null> {
    const { Item } = await this.table.doc.send(
      new GetCommand({ TableName: this.table.name, Key: keys.series(executionId), ConsistentRead: true }),
    );
    return typeof Item?.body === 'string' ? (JSON.parse(Item.body) as ExecutionSeries) : null;
  }
}
