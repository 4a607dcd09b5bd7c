import { DeleteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from './keys';
import type { Table } from './table';

/** Who halted every experiment, when and why. */
export interface HaltState {
  reason: string;
  by: string;
  at: string;
}

export interface HaltSwitchRepository {
  /** Turns the halt switch on: no experiment starts until `resume`. */
  halt(reason: string, by: string): Promise<void>;
  resume(): Promise<void>;
  /** The halt switch when it is on, undefined when it is off. */
  haltState(): Promise<HaltState | undefined>;
}

/** The halt switch, a single item. */
export class HaltSwitch implements HaltSwitchRepository {
  constructor(private readonly table: Table) {}

  async halt(reason: string, by: string): Promise<void> {
    await this.table.doc.send(
      new PutCommand({
        TableName: this.table.name,
        Item: { ...keys.halt(), reason, by, at: this.table.clock.now().toISOString() },
      }),
    );
  }

  async resume(): Promise<void> {
    await this.table.doc.send(new DeleteCommand({ TableName: this.table.name, Key: keys.halt() }));
  }

  async haltState(): Promise<HaltState | undefined> {
    const { Item } = await this.table.doc.send(
      new GetCommand({ TableName: this.table.name, Key: keys.halt(), ConsistentRead: true }),
    );
    return Item ? { reason: String(Item.reason), by: String(Item.by), at: String(Item.at) } : undefined;
  }
}
