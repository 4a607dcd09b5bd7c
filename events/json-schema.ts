import * as z from 'zod';
import type { Contract } from './contract';

/**
 * The JSON Schema (draft 4, what the EventBridge schema registry accepts as `JSONSchemaDraft4`)
 * of a public event: EventBridge's envelope with this contract's detail, generated from the zod
 * schema so that the two cannot drift (a contract test compares the committed files with this).
 * Generated for the input side: a consumer must accept fields added within a version.
 */
export const publicEventJsonSchema = (contract: Contract<z.ZodObject>): Record<string, unknown> => {
  const { $schema: _drop, ...detail } = z.toJSONSchema(contract.schema, { target: 'draft-04', io: 'input' }) as Record<
    string,
    unknown
  >;
  return {
    $schema: 'http://json-schema.org/draft-04/schema#',
    title: `${contract.detailType} v${contract.version}`,
    description: `${contract.source} "${contract.detailType}", contract version ${contract.version}: ${contract.description}`,
    type: 'object',
    properties: {
      version: { type: 'string' },
      id: { type: 'string' },
      'detail-type': { type: 'string', enum: [contract.detailType] },
      source: { type: 'string', enum: [contract.source] },
      account: { type: 'string' },
      time: { type: 'string', format: 'date-time' },
      region: { type: 'string' },
      resources: { type: 'array', items: { type: 'string' } },
      detail: detail,
    },
    required: ['detail-type', 'source', 'account', 'time', 'region', 'detail'],
  };
};

/** Where a public event's schema file lives, relative to the repository. */
export const schemaFileName = (contract: Contract<z.ZodObject>): string =>
  `events/schemas/${contract.detailType}.v${contract.version}.json`;

export const renderSchemaFile = (contract: Contract<z.ZodObject>): string =>
  `${JSON.stringify(publicEventJsonSchema(contract), null, 2)}\n`;
