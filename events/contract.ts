import * as z from 'zod';
import type { BusEntry, BusEvent } from './envelope';
import { MalformedEventError } from './errors';
import { problemsFrom } from './problems';

/** Source of every event faultline publishes. */
export const FAULTLINE_SOURCE = 'faultline';

const isoTime = z.string().refine((v) => !Number.isNaN(Date.parse(v)), { message: 'not an ISO-8601 time' });

/** EventBridge's envelope, as every target receives it. */
const envelopeSchema = z.object({
  version: z.literal('0'),
  id: z.string().min(1),
  'detail-type': z.string().min(1).max(128),
  source: z.string().min(1),
  account: z.string().min(1),
  time: isoTime,
  region: z.string().min(1),
  resources: z.array(z.string()),
  detail: z.record(z.string(), z.unknown()),
});

export const isoTimeSchema = isoTime;

/** Fields every faultline event's detail carries. */
const baseDetail = {
  executionId: z.string().min(1).max(128),
  experimentId: z.string().min(1).max(64),
};

/** An event contract: detail-type, version, schema and a fixture. Publishers and parsers derive from it. */
export interface Contract<S extends z.ZodObject> {
  readonly detailType: string;
  readonly source: string;
  readonly version: number;
  readonly schema: S;
  readonly fixture: z.input<S>;
  readonly description: string;
  /** Validates a delivered event against the envelope and this contract; throws MalformedEventError. */
  parse(event: unknown): BusEvent<z.output<S>>;
  /** Builds the bus entry for a detail; the contract version is filled in. */
  entry(detail: Omit<z.input<S>, 'version'>, resources?: string[]): BusEntry;
}

export type DetailOf<C> = C extends Contract<infer S> ? z.output<S> : never;
export type EventOf<C> = BusEvent<DetailOf<C>>;

export const parseEnvelope = (event: unknown): BusEvent<Record<string, unknown>> => {
  const result = envelopeSchema.safeParse(event);
  if (!result.success) {
    const detailType =
      typeof event === 'object' &&
      event !== null &&
      typeof (event as Record<string, unknown>)['detail-type'] === 'string'
        ? String((event as Record<string, unknown>)['detail-type'])
        : '';
    throw new MalformedEventError(detailType, problemsFrom(result.error));
  }
  return result.data as BusEvent<Record<string, unknown>>;
};

export const defineContract = <S extends z.ZodObject>(definition: {
  detailType: string;
  version: number;
  description: string;
  schema: S;
  fixture: z.input<S>;
  source?: string;
}): Contract<S> => {
  const source = definition.source ?? FAULTLINE_SOURCE;
  return {
    detailType: definition.detailType,
    source,
    version: definition.version,
    schema: definition.schema,
    fixture: definition.fixture,
    description: definition.description,
    parse(event) {
      const envelope = parseEnvelope(event);
      if (envelope['detail-type'] !== definition.detailType) {
        throw new MalformedEventError(envelope['detail-type'], [
          { path: 'detail-type', message: `expected "${definition.detailType}"` },
        ]);
      }
      if (envelope.source !== source) {
        throw new MalformedEventError(definition.detailType, [{ path: 'source', message: `expected "${source}"` }]);
      }
      const detail = definition.schema.safeParse(envelope.detail);
      if (!detail.success) {
        throw new MalformedEventError(definition.detailType, problemsFrom(detail.error, 'detail'));
      }
      return { ...envelope, detail: detail.data } as BusEvent<z.output<S>>;
    },
    entry(detail, resources) {
      const full = definition.schema.parse({ ...detail, version: definition.version }) as Record<string, unknown>;
      return { source, detailType: definition.detailType, detail: full, ...(resources ? { resources } : {}) };
    },
  };
};

/** Detail schema of a faultline event: version, executionId, experimentId, plus its own fields. */
export const faultlineDetail = <F extends z.ZodRawShape>(version: number, fields: F) =>
  z.object({ version: z.literal(version), ...baseDetail, ...fields });
