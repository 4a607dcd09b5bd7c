import type { Store } from '../store/execution-store';
import type {
  AlarmSource,
  Clock,
  EventPublisher,
  FaultProviders,
  HealthCheck,
  MetricsSource,
  TargetResolver,
  Timer,
} from '../ports';

/** Timing and trust settings of a deployment, read once at cold start. */
export interface PhaseSettings {
  /** This stack's environment (stage); templates list where they may run. */
  environment: string;
  /** The account whose events are trusted. */
  account: string;
  /** An ExperimentStarted older than this injects nothing. */
  injectWithinMs: number;
  /** An ExperimentRequested older than this (from its requestedAt) starts nothing. */
  requestWithinMs: number;
  /** How long an event claim blocks a concurrent duplicate where the runtime does not tell the remaining time. */
  eventLockMs: number;
  /** How long processed-event records are kept. */
  eventRetentionMs: number;
  /** Recovering, validating or preparing without a move for this long: the sweeper moves it on. */
  stuckAfterMs: number;
  /** Injecting or reverting (a fault may be active) without a move for this long: the sweeper stops it. */
  stuckWithFaultAfterMs: number;
  /** Observing this long past the revert deadline (which should have stopped it): the sweeper stops it. */
  deadlineGraceMs: number;
  /** Nudges before the sweeper gives an execution up (FAILED, or ROLLBACK_FAILED if a fault may be active). */
  maxSweeps: number;
  /**
   * How long revert waits for an injection still in flight (a provider polling for its fault to
   * take effect) before it lets its event be retried: it never undoes a fault that may still land.
   */
  injectionSettleMs: number;
  /** The longest an inject attempt can run (its function's timeout): an older ARMED record's attempt is gone. */
  injectAttemptMaxMs: number;
  /** Attempts of one fault's revert, with doubling pauses from `revertBackoffMs`, before ROLLBACK_FAILED. */
  revertAttempts: number;
  revertBackoffMs: number;
}

export const defaultSettings = (overrides: Partial<PhaseSettings> = {}): PhaseSettings => ({
  environment: 'local',
  account: '000000000000',
  injectWithinMs: 60_000,
  requestWithinMs: 15 * 60_000,
  // On Lambda the claim lasts the invocation's remaining time instead (phase-handler.ts).
  eventLockMs: 60_000,
  eventRetentionMs: 7 * 24 * 3_600_000,
  stuckAfterMs: 15 * 60_000,
  // Longer than revert's 300 s timeout and Lambda's two retries of it.
  stuckWithFaultAfterMs: 7 * 60_000,
  deadlineGraceMs: 2 * 60_000,
  maxSweeps: 3,
  // Providers poll up to a minute for a fault to take effect.
  injectionSettleMs: 90_000,
  // inject's Lambda timeout (300 s) and a margin.
  injectAttemptMaxMs: 310_000,
  revertAttempts: 4,
  revertBackoffMs: 1_000,
  ...overrides,
});

/**
 * Everything the phase functions work with, built whole by AWS wiring, the embedded runtime or a
 * test. Each function declares only the part it uses (its repositories and a `Pick` of the ports).
 */
export interface PhaseDependencies {
  store: Store;
  publisher: EventPublisher;
  timer: Timer;
  clock: Clock;
  faults: FaultProviders;
  targets: Partial<Record<'aws' | 'local', TargetResolver>>;
  metrics: MetricsSource;
  alarms: AlarmSource;
  health: HealthCheck;
  settings: PhaseSettings;
}
