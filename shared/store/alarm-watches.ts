import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { GSI1, keys } from './keys';
import type { Table } from './table';

export interface AlarmWatchRepository {
  watchAlarms(executionId: string, alarmNames: readonly string[]): Promise<void>;
  unwatchAlarms(executionId: string, alarmNames: readonly string[]): Promise<void>;
  /** Executions that named this alarm as a stop condition and have not finished. */
  executionsWatchingAlarm(alarmName: string): Promise<string[]>;
}

/** The guard's access pattern: one item per execution and stop-condition alarm, indexed by alarm. */
export class AlarmWatches implements AlarmWatchRepository {
  constructor(private readonly table: Table) {}

  async watchAlarms(executionId: string, alarmNames: readonly string[]): Promise<void> {
    for (const alarmName of alarmNames) {
      await this.table.doc.send(
        new PutCommand({
          TableName: this.table.name,
          Item: {
            ...keys.watch(executionId, alarmName),
            gsi1pk: keys.byAlarm(alarmName),
            gsi1sk: executionId,
            executionId,
            alarmName,
          },
        }),
      );
    }
  }

  async unwatchAlarms(executionId: string, alarmNames: readonly string[]): Promise<void> {
    for (const alarmName of alarmNames) {
      const key = keys.watch(executionId, alarmName);
      await this.table.doc.send(new DeleteCommand({ TableName: this.table.name, Key: key }));
    }
  }

  async executionsWatchingAlarm(alarmName: string): Promise<string[]> {
    const items = await this.table.queryAll({
      IndexName: GSI1,
      KeyConditionExpression: 'gsi1pk = :pk',
      ExpressionAttributeValues: { ':pk': keys.byAlarm(alarmName) },
    });
    return items.map((i) => String(i.executionId));
  }
}
