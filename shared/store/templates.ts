import { GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Template } from '../domain/template';
import { FaultlineError } from '../errors';
import { keys } from './keys';
import { conditionally, type Table } from './table';

export interface TemplateRepository {
  /** Stores a template version; the same version with other content is refused. */
  putTemplate(template: Template): Promise<void>;
  /** A stored template version, or the newest one when no version is given. */
  getTemplate(id: string, version?: number): Promise<Template | undefined>;
}

/** Experiment templates, one item per version under the template's partition. */
export class Templates implements TemplateRepository {
  constructor(private readonly table: Table) {}

  async putTemplate(template: Template): Promise<void> {
    const storedAt = this.table.clock.now().toISOString();
    const stored = await conditionally(() =>
      this.table.doc.send(
        new PutCommand({
          TableName: this.table.name,
          Item: { ...keys.template(template.id, template.version), template, storedAt },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );
    if (stored) return;
    if (JSON.stringify(await this.getTemplate(template.id, template.version)) !== JSON.stringify(template)) {
      throw new FaultlineError(
        `template ${template.id} version ${template.version} is already stored with other content: raise its version`,
      );
    }
  }

  async getTemplate(id: string, version?: number): Promise<Template | undefined> {
    if (version !== undefined) {
      const { Item } = await this.table.doc.send(
        new GetCommand({ TableName: this.table.name, Key: keys.template(id, version) }),
      );
      return Item?.template as Template | undefined;
    }
    const { Items } = await this.table.doc.send(
      new QueryCommand({
        TableName: this.table.name,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :v)',
        ExpressionAttributeValues: { ':pk': keys.templatePartition(id), ':v': 'V#' },
        ScanIndexForward: false,
        Limit: 1,
      }),
    );
    return Items?.[0]?.template as Template | undefined;
  }
}
