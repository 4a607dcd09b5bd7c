import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigurationError, FaultlineError } from '../shared/errors';
import type { BusEntry, BusEvent } from '../shared/ports';
import { silentLogger, type Logger } from '../shared/lambda/logger';
import type { BusName, LocalBus } from './bus';

/**
 * The EventBridge `PutEvents` API on a local port (AWS JSON 1.1 protocol), so that the AWS CLI and
 * the SDKs publish to the embedded bus as they would to EventBridge. Wire format and validation:
 * test/fixtures/aws-events/putevents-protocol.md, the PutEvents API Reference and the
 * User Guide page "Calculating PutEvents event entry size". SigV4 is not checked.
 */
interface PutEventsServerOptions {
  /** Where accepted entries go: the bus assigns the event ids and routes. */
  bus: Pick<LocalBus, 'putEvents' | 'account' | 'region'>;
  /** 0 takes a free port. */
  port: number;
  host?: string;
  /** The custom bus (serverless.yml's `eventBus`); `default` and omitted names are the default bus. */
  customBusName: string;
  /** Account and region an event-bus ARN must name; the bus's own when omitted. */
  account?: string;
  region?: string;
  /** Sees each event accepted over HTTP (not the events other components put on the bus). */
  onEvent?: (event: BusEvent, bus: BusName) => void;
  /**
   * Limit on the summed entry sizes of one request. AWS raised it from 256 KiB to 1 MiB on
   * 2026-01-29; pass 262144 to hold publishers to the old limit.
   */
  maxEntriesBytes?: number;
  /** Limit on the raw request body (413 above it). Escaped JSON inside JSON takes several times its size. */
  maxBodyBytes?: number;
  /** Internal failures only; request headers (Authorization, credentials) are never logged. */
  logger?: Logger;
}

export interface PutEventsServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** The endpoint could not listen (port taken, address not available). */
class PutEventsEndpointError extends FaultlineError {}

const TARGET = 'AWSEvents.PutEvents';
const CONTENT_TYPE = 'application/x-amz-json-1.1';
const MAX_ENTRIES = 10;
const MAX_DETAIL_TYPE_CHARS = 128;
/** "If specified, the Time parameter is 14 bytes" (entry-size calculation, EventBridge User Guide). */
const TIME_BYTES = 14;
const DEFAULT_MAX_ENTRIES_BYTES = 1024 * 1024;
const DEFAULT_MAX_BODY_BYTES = 8 * 1024 * 1024;
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** A whole-request failure, answered as AWS JSON 1.1 answers errors: `{"__type", "message"}`. */
class RequestError extends Error {
  constructor(
    readonly type:
      | 'UnknownOperationException'
      | 'SerializationException'
      | 'ValidationException'
      | 'RequestEntityTooLargeException',
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

interface RequestEntry {
  Source?: string;
  DetailType?: string;
  Detail?: string;
  EventBusName?: string;
  Resources?: string[];
  Time?: Date;
}

type EntryResult = { EventId: string } | { ErrorCode: string; ErrorMessage: string };

type Verdict = { ok: true; entry: BusEntry; bus: BusName } | { ok: false; ErrorCode: string; ErrorMessage: string };

const REQUIRED = ['Source', 'DetailType', 'Detail'] as const;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** AWS treats an empty required string as missing ("DetailType is a required argument"). */
const missingField = (entry: RequestEntry): (typeof REQUIRED)[number] | undefined =>
  REQUIRED.find((field) => !entry[field]);

/** Entry size as the User Guide computes it: UTF-8 bytes of Source, DetailType, Detail, Resources; 14 for Time. */
const putEventsEntrySize = (entry: RequestEntry): number =>
  (entry.Time ? TIME_BYTES : 0) +
  Buffer.byteLength(entry.Source ?? '') +
  Buffer.byteLength(entry.DetailType ?? '') +
  Buffer.byteLength(entry.Detail ?? '') +
  (entry.Resources ?? []).reduce((sum, r) => sum + Buffer.byteLength(r), 0);

const readString = (raw: Record<string, unknown>, field: string, at: string): string | undefined => {
  const value = raw[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new RequestError('SerializationException', `${at}.${field} must be a string`);
  return value;
};

/** The timestamp shape: epoch seconds (the awsJson default, what the SDKs and CLI send) or RFC 3339. */
const readTime = (raw: Record<string, unknown>, at: string): Date | undefined => {
  const value = raw.Time;
  if (value === undefined || value === null) return undefined;
  const time =
    typeof value === 'number'
      ? new Date(value * 1000)
      : typeof value === 'string' && RFC3339.test(value)
        ? new Date(value.toUpperCase())
        : undefined;
  if (!time || Number.isNaN(time.getTime())) {
    throw new RequestError('SerializationException', `${at}.Time must be epoch seconds or an RFC 3339 timestamp`);
  }
  return time;
};

const readEntry = (raw: unknown, at: string): RequestEntry => {
  if (!isRecord(raw)) throw new RequestError('SerializationException', `${at} must be an object`);
  const resources = raw.Resources;
  if (
    resources !== undefined &&
    resources !== null &&
    (!Array.isArray(resources) || !resources.every((r) => typeof r === 'string'))
  ) {
    throw new RequestError('SerializationException', `${at}.Resources must be a list of strings`);
  }
  const entry: RequestEntry = {};
  for (const field of ['Source', 'DetailType', 'Detail', 'EventBusName'] as const) {
    const value = readString(raw, field, at);
    if (value !== undefined) entry[field] = value;
  }
  readString(raw, 'TraceHeader', at);
  if (Array.isArray(resources)) entry.Resources = resources as string[];
  const time = readTime(raw, at);
  if (time) entry.Time = time;
  return entry;
};

/** Parses and checks the request as a whole; what is left to judge is per entry. */
const readRequest = (body: string, maxEntriesBytes: number): RequestEntry[] => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new RequestError('SerializationException', 'Request body is not valid JSON');
  }
  if (!isRecord(parsed)) throw new RequestError('SerializationException', 'Request body must be a JSON object');
  const raw = parsed.Entries;
  // The messages follow the AWS validation-message form: "1 validation error detected: ...".
  if (raw === undefined || raw === null) {
    throw new RequestError(
      'ValidationException',
      "1 validation error detected: Value null at 'entries' failed to satisfy constraint: Member must not be null",
    );
  }
  if (!Array.isArray(raw)) throw new RequestError('SerializationException', 'Entries must be a list');
  if (raw.length < 1) {
    throw new RequestError(
      'ValidationException',
      "1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length greater than or equal to 1",
    );
  }
  if (raw.length > MAX_ENTRIES) {
    throw new RequestError(
      'ValidationException',
      `1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length less than or equal to ${MAX_ENTRIES}`,
    );
  }
  const entries = raw.map((entry, i) => readEntry(entry, `Entries[${i}]`));
  const size = entries.reduce((sum, entry) => sum + putEventsEntrySize(entry), 0);
  if (size > maxEntriesBytes) {
    throw new RequestError(
      'ValidationException',
      `Total size of the entries in the request is over the limit (${size} > ${maxEntriesBytes} bytes).`,
    );
  }
  if (entries.every((entry) => missingField(entry) !== undefined)) {
    throw new RequestError(
      'ValidationException',
      'No entry of the request has all of Source, DetailType and Detail, which EventBridge requires.',
    );
  }
  return entries;
};

const resolveBus = (
  name: string | undefined,
  local: { customBusName: string; account: string; region: string },
): BusName | undefined => {
  if (name === undefined || name === 'default') return 'default';
  if (name === local.customBusName) return 'custom';
  const arn = /^arn:[^:]+:events:([^:]*):([^:]*):event-bus\/(.+)$/.exec(name);
  if (!arn || arn[1] !== local.region || arn[2] !== local.account) return undefined;
  if (arn[3] === 'default') return 'default';
  return arn[3] === local.customBusName ? 'custom' : undefined;
};

const invalid = (ErrorCode: string, ErrorMessage: string): Verdict => ({ ok: false, ErrorCode, ErrorMessage });

/** Judges one entry as EventBridge does; a failed entry does not fail the others. */
const judgeEntry = (
  entry: RequestEntry,
  local: { customBusName: string; account: string; region: string },
): Verdict => {
  const missing = missingField(entry);
  if (missing)
    return invalid('InvalidArgument', `Parameter ${missing} is not valid. Reason: ${missing} is a required argument.`);
  const {
    Source: source,
    DetailType: detailType,
    Detail: detailText,
  } = entry as Required<Pick<RequestEntry, (typeof REQUIRED)[number]>>;
  const bus = resolveBus(entry.EventBusName, local);
  // EventBridge itself accepts events for a bus that does not exist and drops them; locally a typo
  // in a bus name is refused, since a silently lost event looks like a hung experiment.
  if (!bus) {
    return invalid(
      'InvalidArgument',
      `Event bus ${entry.EventBusName} does not exist. This endpoint serves "default" and "${local.customBusName}" (account ${local.account}, region ${local.region}).`,
    );
  }
  if (source.startsWith('aws.')) return invalid('NotAuthorizedForSourceException', 'Not authorized for the source.');
  const detailTypeChars = [...detailType].length;
  if (detailTypeChars > MAX_DETAIL_TYPE_CHARS) {
    return invalid(
      'InvalidArgument',
      `Parameter DetailType is not valid. Reason: DetailType has ${detailTypeChars} characters; at most ${MAX_DETAIL_TYPE_CHARS} are allowed.`,
    );
  }
  let detail: unknown;
  try {
    detail = JSON.parse(detailText);
  } catch {
    return invalid('MalformedDetail', 'Detail is malformed.');
  }
  if (!isRecord(detail)) return invalid('MalformedDetail', 'Detail is malformed.');
  return {
    ok: true,
    bus,
    entry: {
      source,
      detailType,
      detail,
      ...(entry.Resources ? { resources: entry.Resources } : {}),
      ...(entry.Time ? { time: entry.Time } : {}),
    },
  };
};

const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void => {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': CONTENT_TYPE,
    'content-length': String(Buffer.byteLength(text)),
    'x-amzn-requestid': randomUUID(),
    ...headers,
  });
  res.end(text);
};

const sendError = (res: ServerResponse, error: RequestError): void =>
  send(
    res,
    error.status,
    { __type: error.type, message: error.message },
    {
      'x-amzn-errortype': error.type,
      ...(error.status === 413 ? { connection: 'close' } : {}),
    },
  );

const readBody = (req: IncomingMessage, maxBytes: number): Promise<string> =>
  new Promise((resolve, reject) => {
    const tooLarge = () =>
      new RequestError('RequestEntityTooLargeException', `Request body is larger than ${maxBytes} bytes`, 413);
    if (Number(req.headers['content-length'] ?? 0) > maxBytes) {
      req.resume();
      reject(tooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) {
        chunks.push(chunk);
        return;
      }
      // Keep draining, so the client can read the 413 instead of a reset connection.
      req.off('data', onData);
      req.resume();
      reject(tooLarge());
    };
    req.on('data', onData);
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });

/** Starts the endpoint; resolves once it listens. */
export const startPutEventsServer = async (options: PutEventsServerOptions): Promise<PutEventsServer> => {
  const { bus, port, host = '127.0.0.1', customBusName, onEvent, logger = silentLogger } = options;
  const maxEntriesBytes = options.maxEntriesBytes ?? DEFAULT_MAX_ENTRIES_BYTES;
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  if (!customBusName || customBusName === 'default') {
    throw new ConfigurationError(`customBusName must name the custom bus, not ${JSON.stringify(customBusName)}`);
  }
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new ConfigurationError(`port must be an integer 0-65535, not ${port}`);
  for (const [name, value] of Object.entries({ maxEntriesBytes, maxBodyBytes })) {
    if (!Number.isInteger(value) || value <= 0)
      throw new ConfigurationError(`${name} must be a positive integer, not ${value}`);
  }
  const local = { customBusName, account: options.account ?? bus.account, region: options.region ?? bus.region };

  const putEvents = (entries: RequestEntry[]): { FailedEntryCount: number; Entries: EntryResult[] } => {
    const results = entries.map((entry): EntryResult => {
      const verdict = judgeEntry(entry, local);
      if (!verdict.ok) return { ErrorCode: verdict.ErrorCode, ErrorMessage: verdict.ErrorMessage };
      let event: BusEvent;
      try {
        // One entry at a time, so that delivery order is request order across both buses.
        [event] = bus.putEvents([verdict.entry], verdict.bus) as [BusEvent];
      } catch (error) {
        logger.error('put-events: the bus refused an accepted entry', {
          error: String(error),
          detailType: verdict.entry.detailType,
        });
        return { ErrorCode: 'InternalFailure', ErrorMessage: 'Internal Service Failure' };
      }
      try {
        onEvent?.(event, verdict.bus);
      } catch (error) {
        logger.warn('put-events: onEvent threw', { error: String(error), eventId: event.id });
      }
      return { EventId: event.id };
    });
    return { FailedEntryCount: results.filter((r) => 'ErrorCode' in r).length, Entries: results };
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    try {
      const path = (req.url ?? '/').split('?')[0];
      const target = req.headers['x-amz-target'];
      if (req.method !== 'POST' || path !== '/') {
        req.resume();
        const status = req.method === 'POST' ? 404 : 405;
        throw new RequestError(
          'UnknownOperationException',
          `This endpoint answers POST / with X-Amz-Target: ${TARGET}, not ${req.method} ${path}`,
          status,
        );
      }
      if (target !== TARGET) {
        req.resume();
        throw new RequestError(
          'UnknownOperationException',
          `Operation ${JSON.stringify(target ?? null)} is not supported; this endpoint answers ${TARGET} only`,
        );
      }
      const contentType = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
      if (contentType !== CONTENT_TYPE) {
        req.resume();
        throw new RequestError(
          'SerializationException',
          `Content-Type must be ${CONTENT_TYPE}, not ${JSON.stringify(contentType)}`,
        );
      }
      const entries = readRequest(await readBody(req, maxBodyBytes), maxEntriesBytes);
      send(res, 200, putEvents(entries));
    } catch (error) {
      if (error instanceof RequestError) return sendError(res, error);
      throw error;
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      logger.error('put-events: request failed', { error: String(error), method: req.method, url: req.url });
      if (!res.headersSent)
        send(
          res,
          500,
          { __type: 'InternalException', message: 'Internal error' },
          { 'x-amzn-errortype': 'InternalException' },
        );
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    const onError = (error: Error) =>
      reject(new PutEventsEndpointError(`cannot listen on ${host}:${port}: ${error.message}`, { cause: error }));
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const actualPort = (server.address() as AddressInfo).port;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${actualPort}`,
    port: actualPort,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // SDK clients keep connections alive; without this close() waits for them to time out.
        server.closeAllConnections();
      }),
  };
};
