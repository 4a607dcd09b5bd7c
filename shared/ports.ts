/**
 * Ports of the domain (docs/architecture.md §5). Domain functions receive these as one options
 * object; AWS adapters, the embedded runtime and tests hand in their own.
 */
import type { FaultType } from './domain/faults';
import type { FaultRecord, Metrics, ResolvedTarget } from './domain/execution';
import type { Series } from './domain/series';
import type { TargetSpec, Template } from './domain/template';

export type { BusEntry, BusEvent } from '../events/envelope';
import type { BusEntry } from '../events/envelope';

export interface EventPublisher {
  /** Publishes every entry or throws; entries the bus refused are retried by the adapter. */
  publish(entries: readonly BusEntry[]): Promise<void>;
}

export interface Timer {
  /** How late a timer may fire at most (EventBridge Scheduler: within the minute after its time). */
  readonly latenessMs: number;
  /** Puts `entry` on the bus at `at`. Scheduling the same name again replaces nothing: it is a no-op. */
  schedule(request: { name: string; at: Date; entry: BusEntry }): Promise<void>;
  /** Cancels a pending schedule; a schedule that already fired or never existed is fine. */
  cancel(name: string): Promise<void>;
}

export interface Clock {
  now(): Date;
  /** Waits; a test clock moves its own time instead. Absent: real time (see `pause`). */
  sleep?(ms: number): Promise<void>;
}

/** Waits `ms` on the clock's own terms. */
export const pause = (clock: Clock, ms: number): Promise<void> =>
  clock.sleep ? clock.sleep(ms) : new Promise((resolve) => setTimeout(resolve, ms));

export interface InjectRequest {
  executionId: string;
  action: string;
  faultType: FaultType;
  target: ResolvedTarget;
  parameters: Record<string, unknown>;
  /** The fault must end by itself at this time even if faultline stops running. */
  expiresAt: Date;
}

export interface InjectOutcome {
  /** What the revert needs (ids of commands, processes, experiments). */
  handle: Record<string, string>;
}

/** Injects and reverts one fault type for one provider. */
export interface FaultProvider {
  readonly provider: 'aws' | 'local';
  readonly faultTypes: readonly FaultType[];
  /** Injects the fault; resolves only when it has really taken effect, throws otherwise. */
  inject(request: InjectRequest): Promise<InjectOutcome>;
  /** Undoes the fault. Idempotent: reverting a fault that is gone (or never took effect) succeeds. */
  revert(fault: FaultRecord): Promise<void>;
}

export interface FaultProviders {
  /** The provider for a fault type, or throws UnknownFaultTypeError. */
  forFault(provider: 'aws' | 'local', faultType: FaultType): FaultProvider;
}

/** Finds the candidate resources of a template target (selection and caps are applied by the domain). */
export interface TargetResolver {
  candidates(targetName: string, spec: TargetSpec): Promise<ResolvedTarget[]>;
}

export interface MetricsSource {
  /** Figures over [from, to], or undefined fields where nothing was measured. */
  measure(template: Template, window: { from: Date; to: Date }): Promise<Metrics>;
  /**
   * The same figures over time: one point per period of `periodSeconds` (or the source's finest
   * period above it) from `from` to `to`. A figure the source does not measure has no series.
   */
  timeSeries(template: Template, window: { from: Date; to: Date }, periodSeconds: number): Promise<SeriesResult>;
}

/** The series a source measured, and the period it used. */
export interface SeriesResult {
  periodSeconds: number;
  series: Series[];
}

export interface AlarmSource {
  /** Names among `alarmNames` currently in ALARM. An alarm that does not exist is reported as missing. */
  inAlarm(alarmNames: readonly string[]): Promise<{ inAlarm: string[]; missing: string[] }>;
}

export interface HealthCheck {
  /** Whether the targets' system is back to steady state. */
  steady(template: Template, targets: readonly ResolvedTarget[]): Promise<{ steady: boolean; detail?: string }>;
}
