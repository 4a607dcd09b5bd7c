import { PutEventsCommand, type EventBridgeClient, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { FaultlineError } from '../errors';
import type { BusEntry, EventPublisher } from '../ports';
import { realSleep, type Sleep } from '../poll';

/** PutEvents takes at most 10 entries per call. */
const MAX_ENTRIES_PER_CALL = 10;
/** The total size of one PutEvents request (256 KB; the limit AWS has documented longest). */
export const MAX_REQUEST_BYTES = 256 * 1024;

/** Per-entry error codes that PutEvents documents as retryable; every other code fails at once. */
const RETRYABLE_ERROR_CODES: ReadonlySet<string> = new Set(['InternalFailure', 'ThrottlingException']);

interface FailedEntry {
  source: string;
  detailType: string;
  errorCode: string;
  errorMessage?: string;
}

/** Entries the bus did not accept, after retries for those that could be retried. */
export class EventPublishError extends FaultlineError {
  constructor(
    readonly failed: readonly FailedEntry[],
    options?: { cause?: unknown },
  ) {
    super(
      `EventBridge refused ${failed.length} entr${failed.length === 1 ? 'y' : 'ies'}: ${failed
        .map((f) => `${f.detailType} (${f.errorCode}${f.errorMessage ? `: ${f.errorMessage}` : ''})`)
        .join(', ')}`,
      options,
    );
  }
}

interface EventBridgePublisherOptions {
  /** Name or ARN of the bus. */
  eventBusName: string;
  /** Calls per batch at most, the first included. */
  maxAttempts?: number;
  /** Backoff before the n-th retry: `baseDelayMs * 2^(n-1)`, with jitter. */
  baseDelayMs?: number;
  sleep?: Sleep;
  /** In [0, 1); injected for deterministic tests. */
  random?: () => number;
}

/**
 * Size of an entry as EventBridge counts it: UTF-8 bytes of Source, DetailType, Detail and each
 * resource, plus 14 bytes when Time is set.
 */
const entrySize = (entry: PutEventsRequestEntry): number => {
  const bytes = (s: string | undefined) => (s === undefined ? 0 : Buffer.byteLength(s, 'utf8'));
  return (
    (entry.Time ? 14 : 0) +
    bytes(entry.Source) +
    bytes(entry.DetailType) +
    bytes(entry.Detail) +
    (entry.Resources ?? []).reduce((n, r) => n + bytes(r), 0)
  );
};

/** EventPublisher on EventBridge PutEvents. */
export class EventBridgePublisher implements EventPublisher {
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly sleep: Sleep;
  private readonly random: () => number;

  constructor(
    private readonly eventBridge: EventBridgeClient,
    private readonly options: EventBridgePublisherOptions,
  ) {
    if (!options.eventBusName) throw new FaultlineError('EventBridgePublisher needs an eventBusName');
    this.maxAttempts = Math.max(1, options.maxAttempts ?? 4);
    this.baseDelayMs = options.baseDelayMs ?? 100;
    this.sleep = options.sleep ?? realSleep;
    this.random = options.random ?? Math.random;
  }

  async publish(entries: readonly BusEntry[]): Promise<void> {
    for (const batch of this.batches(entries.map((e) => this.toRequestEntry(e)))) {
      await this.putBatch(batch);
    }
  }

  private toRequestEntry(e: BusEntry): PutEventsRequestEntry {
    return {
      EventBusName: this.options.eventBusName,
      Source: e.source,
      DetailType: e.detailType,
      Detail: JSON.stringify(e.detail),
      ...(e.resources?.length ? { Resources: [...e.resources] } : {}),
      ...(e.time ? { Time: e.time } : {}),
    };
  }

  /** Splits in calls of at most 10 entries and 256 KB, keeping the order of the entries. */
  private batches(entries: PutEventsRequestEntry[]): PutEventsRequestEntry[][] {
    const out: PutEventsRequestEntry[][] = [];
    let current: PutEventsRequestEntry[] = [];
    let bytes = 0;
    for (const entry of entries) {
      const size = entrySize(entry);
      if (size > MAX_REQUEST_BYTES) {
        // Never accepted, whatever the retries: say so before anything is sent.
        throw new EventPublishError([
          {
            source: entry.Source ?? '',
            detailType: entry.DetailType ?? '',
            errorCode: 'EntryTooLarge',
            errorMessage: `${size} bytes`,
          },
        ]);
      }
      if (current.length === MAX_ENTRIES_PER_CALL || bytes + size > MAX_REQUEST_BYTES) {
        out.push(current);
        current = [];
        bytes = 0;
      }
      current.push(entry);
      bytes += size;
    }
    if (current.length > 0) out.push(current);
    return out;
  }

  private async putBatch(batch: PutEventsRequestEntry[]): Promise<void> {
    let pending = batch;
    for (let attempt = 1; ; attempt += 1) {
      let response;
      try {
        response = await this.eventBridge.send(new PutEventsCommand({ Entries: pending }));
      } catch (error) {
        // The SDK has already retried the call itself (throttling, 5xx); what is left is final.
        throw new EventPublishError(
          pending.map((p) => this.failure(p, 'RequestFailed', (error as Error)?.message)),
          { cause: error },
        );
      }
      // The response lists one result per request entry, in the same order.
      const failed = pending.flatMap((p, i) => {
        const result = response.Entries?.[i];
        return result?.ErrorCode ? [{ entry: p, code: result.ErrorCode, message: result.ErrorMessage }] : [];
      });
      if (failed.length === 0 && (response.FailedEntryCount ?? 0) > 0) {
        // Failures counted but not named: which entries went through is unknown, so none is assumed to.
        throw new EventPublishError(
          pending.map((p) => this.failure(p, 'UnreportedFailure', `FailedEntryCount ${response.FailedEntryCount}`)),
        );
      }
      if (failed.length === 0) return;
      const final = failed.some((f) => !RETRYABLE_ERROR_CODES.has(f.code)) || attempt >= this.maxAttempts;
      if (final) throw new EventPublishError(failed.map((f) => this.failure(f.entry, f.code, f.message)));
      await this.sleep(this.backoff(attempt));
      pending = failed.map((f) => f.entry);
    }
  }

  private backoff(attempt: number): number {
    const ceiling = this.baseDelayMs * 2 ** (attempt - 1);
    // Half fixed, half random: spread the retries of functions throttled together.
    return Math.round(ceiling / 2 + (this.random() * ceiling) / 2);
  }

  private failure(entry: PutEventsRequestEntry, errorCode: string, errorMessage?: string): FailedEntry {
    return {
      source: entry.Source ?? '',
      detailType: entry.DetailType ?? '',
      errorCode,
      ...(errorMessage ? { errorMessage } : {}),
    };
  }
}
