import { randomUUID } from 'node:crypto';
import { ConfigurationError } from '../shared/errors';
import type { BusEntry, BusEvent, EventPublisher } from '../shared/ports';
import { matchesPattern } from './event-pattern';
import type { FunctionRule } from './rules';

type Invoke = (event: BusEvent) => Promise<unknown>;

export interface DeadLetter {
  functionName: string;
  event: BusEvent;
  error: Error;
}

interface LocalBusOptions {
  rules: readonly FunctionRule[];
  account?: string;
  region?: string;
  /** Backoff of the retries of a failed delivery (at most the rule's maximumRetryAttempts), then it is dead-lettered. */
  retryDelaysMs?: readonly number[];
  onDeadLetter?: (letter: DeadLetter) => void;
}

export type BusName = 'custom' | 'default';

/**
 * The in-process event bus: assigns ids and envelopes as EventBridge does, matches each event
 * against the functions' rules from serverless.yml, and delivers asynchronously with retries; a
 * delivery that keeps failing is dead-lettered, as a rule's DLQ would keep it.
 */
export class LocalBus implements EventPublisher {
  readonly account: string;
  readonly region: string;
  readonly deadLetters: DeadLetter[] = [];
  private readonly functions = new Map<string, Invoke>();
  private readonly listeners = new Set<(event: BusEvent, bus: BusName) => void>();
  private readonly inFlight = new Set<Promise<void>>();
  private stopped = false;
  private delivered = 0;

  constructor(private readonly options: LocalBusOptions) {
    this.account = options.account ?? '000000000000';
    this.region = options.region ?? 'us-east-1';
  }

  /** Connects a function (by its serverless.yml name) to its rules. */
  register(functionName: string, invoke: Invoke): void {
    if (!this.options.rules.some((r) => r.functionName === functionName)) {
      throw new ConfigurationError(`serverless.yml declares no eventBridge rule for function ${functionName}`);
    }
    this.functions.set(functionName, invoke);
  }

  /** Sees every event put on the bus (progress display, tests, the game-day runner). */
  subscribe(listener: (event: BusEvent, bus: BusName) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async publish(entries: readonly BusEntry[]): Promise<void> {
    this.putEvents(entries, 'custom');
  }

  /** Puts entries on a bus and returns the delivered envelopes (their ids). */
  putEvents(entries: readonly BusEntry[], bus: BusName): BusEvent[] {
    return entries.map((entry) => {
      const event: BusEvent = {
        version: '0',
        id: randomUUID(),
        'detail-type': entry.detailType,
        source: entry.source,
        account: this.account,
        time: (entry.time ?? new Date()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
        region: this.region,
        resources: entry.resources ?? [],
        detail: entry.detail,
      };
      this.route(event, bus);
      return event;
    });
  }

  /** Delivers an already-formed event (AWS events such as alarm state changes, or a replay). */
  deliver(event: BusEvent, bus: BusName): void {
    this.route(event, bus);
  }

  /** Resolves when no delivery is in flight (deliveries started meanwhile are awaited too). */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  get deliveredCount(): number {
    return this.delivered;
  }

  stop(): void {
    this.stopped = true;
  }

  private route(event: BusEvent, bus: BusName): void {
    if (this.stopped) return;
    for (const listener of this.listeners) {
      try {
        listener(event, bus);
      } catch {
        // A listener only watches; it must never fail the publisher or stop the routing.
      }
    }
    for (const rule of this.options.rules) {
      if (rule.bus !== bus || !matchesPattern(rule.pattern, event)) continue;
      const invoke = this.functions.get(rule.functionName);
      if (!invoke) continue;
      const delivery = this.deliverWithRetries(rule, invoke, event).finally(() => this.inFlight.delete(delivery));
      this.inFlight.add(delivery);
    }
  }

  private async deliverWithRetries(rule: FunctionRule, invoke: Invoke, event: BusEvent): Promise<void> {
    const { functionName } = rule;
    // As many retries as the rule's retry policy allows, on a short local backoff.
    const backoff = this.options.retryDelaysMs ?? [50, 200, 500, 1000];
    const delays = backoff.slice(0, rule.maximumRetryAttempts ?? backoff.length);
    // Asynchronous, as EventBridge invokes a function: never inside the publisher's call.
    await new Promise((resolve) => setImmediate(resolve));
    for (let attempt = 0; ; attempt++) {
      if (this.stopped) return;
      try {
        this.delivered++;
        await invoke(structuredClone(event));
        return;
      } catch (error) {
        if (attempt >= delays.length) {
          const letter = { functionName, event, error: error as Error };
          this.deadLetters.push(letter);
          this.options.onDeadLetter?.(letter);
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, delays[attempt]));
      }
    }
  }
}
