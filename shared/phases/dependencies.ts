import type { ExecutionStore } from '../store/execution-store';
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
  /** How long an event claim blocks a concurrent duplicate (about a function's timeout). */
  eventLockMs: number;
  /** How long processed-event records are kept. */
  eventRetentionMs: number;
  /** An execution that has not moved for this long (past its deadlines) is moved on by the sweeper. */
  stuckAfterMs: number;
}

export const defaultSettings = (overrides: Partial<PhaseSettings> = {}): PhaseSettings => ({
  environment: 'local',
  account: '000000000000',
  injectWithinMs: 60_000,
  // Longer than the longest function timeout (300 s): a live attempt is never taken for a crashed one.
  eventLockMs: 360_000,
  eventRetentionMs: 7 * 24 * 3_600_000,
  stuckAfterMs: 15 * 60_000,
  ...overrides,
});

/** Everything a phase function works with, handed in by AWS wiring, the embedded runtime or a test. */
export interface PhaseDependencies {
  store: ExecutionStore;
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
