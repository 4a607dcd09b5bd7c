/** The event catalogue (docs/architecture.md §2): every contract faultline publishes or consumes. */
export { ExperimentRequested } from './experiment-requested';
export { ExperimentRejected } from './experiment-rejected';
export { ExperimentStarted } from './experiment-started';
export { FaultInjected } from './fault-injected';
export { InjectionFailed } from './injection-failed';
export { ObservationWindowElapsed } from './observation-window-elapsed';
export { ObservationCompleted } from './observation-completed';
export { SafetyViolated, SAFETY_REASONS } from './safety-violated';
export { FaultReverted } from './fault-reverted';
export { RollbackFailed } from './rollback-failed';
export { RecoveryCheckDue } from './recovery-check-due';
export { RecoveryConfirmed } from './recovery-confirmed';
export { RecoveryTimedOut } from './recovery-timed-out';
export { ExperimentCompleted } from './experiment-completed';
export { CloudWatchAlarmStateChange, ALARM_STATES } from './aws/cloudwatch-alarm-state-change';
export { ScheduledEvent } from './aws/scheduled-event';
export { FAULTLINE_SOURCE, type Contract, type DetailOf, type EventOf } from './contract';

import { ExperimentRequested } from './experiment-requested';
import { ExperimentRejected } from './experiment-rejected';
import { ExperimentStarted } from './experiment-started';
import { FaultInjected } from './fault-injected';
import { InjectionFailed } from './injection-failed';
import { ObservationWindowElapsed } from './observation-window-elapsed';
import { ObservationCompleted } from './observation-completed';
import { SafetyViolated } from './safety-violated';
import { FaultReverted } from './fault-reverted';
import { RollbackFailed } from './rollback-failed';
import { RecoveryCheckDue } from './recovery-check-due';
import { RecoveryConfirmed } from './recovery-confirmed';
import { RecoveryTimedOut } from './recovery-timed-out';
import { ExperimentCompleted } from './experiment-completed';
import { CloudWatchAlarmStateChange } from './aws/cloudwatch-alarm-state-change';
import { ScheduledEvent } from './aws/scheduled-event';

/** The faultline events, in the order of an experiment's flow. */
export const FAULTLINE_EVENTS = [
  ExperimentRequested,
  ExperimentRejected,
  ExperimentStarted,
  FaultInjected,
  InjectionFailed,
  ObservationWindowElapsed,
  ObservationCompleted,
  SafetyViolated,
  FaultReverted,
  RollbackFailed,
  RecoveryCheckDue,
  RecoveryConfirmed,
  RecoveryTimedOut,
  ExperimentCompleted,
] as const;

/** AWS events faultline consumes as AWS sends them. */
export const AWS_EVENTS = [CloudWatchAlarmStateChange, ScheduledEvent] as const;

// ---- delivery: pipelines, game days, public results ----------------------------------------
export { GameDayDue } from './game-day-due';
export { GameDayCompleted } from './game-day-completed';
export {
  CodePipelineStageExecutionStateChange,
  CodePipelineActionExecutionStateChange,
  PIPELINE_STATES,
} from './aws/codepipeline-state-change';

import { GameDayDue } from './game-day-due';
import { GameDayCompleted } from './game-day-completed';
import {
  CodePipelineActionExecutionStateChange,
  CodePipelineStageExecutionStateChange,
} from './aws/codepipeline-state-change';

/** faultline events of the delivery flows (pipelines, game days). */
export const DELIVERY_EVENTS = [GameDayDue, GameDayCompleted] as const;

/** AWS events the delivery flows consume as AWS sends them (default bus). */
export const DELIVERY_AWS_EVENTS = [
  CodePipelineStageExecutionStateChange,
  CodePipelineActionExecutionStateChange,
] as const;

/**
 * The public, versioned contracts other teams subscribe to: each has a JSON Schema under
 * events/schemas/ and an entry in README.md's event catalogue (a contract test keeps all three equal).
 */
export const PUBLIC_EVENTS = [ExperimentCompleted, GameDayCompleted] as const;
