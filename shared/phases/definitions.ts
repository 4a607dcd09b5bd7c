import {
  CloudWatchAlarmStateChange,
  ExperimentRequested,
  ExperimentStarted,
  FaultInjected,
  FaultReverted,
  InjectionFailed,
  ObservationCompleted,
  ObservationWindowElapsed,
  RecoveryCheckDue,
  RecoveryConfirmed,
  RecoveryTimedOut,
  SafetyViolated,
  ScheduledEvent,
} from '../../events';
import type { PhaseDefinition } from './route';
import { guard } from './guard';
import { inject } from './inject';
import { completeObservation, startObservation } from './observe';
import { prepare } from './prepare';
import { beginRecovery, continueRecovery } from './recover';
import { revertAfterInjectionFailure, revertForSafety, revertPlanned } from './revert';
import { sweep } from './sweep';
import { validate } from './validate';

const byExecution = (event: { detail: { executionId: string } }) => event.detail.executionId;

/**
 * The seven phase functions and the sweeper behind them: which events each accepts and the domain function for each. The
 * `eventBridge` rules in serverless.yml select the same events (a test checks that they agree).
 */
export const PHASES = {
  // A request and a start mean one execution each, whatever event ids carry them.
  prepare: { name: 'prepare', routes: [{ contract: ExperimentRequested, run: prepare, meaning: byExecution }] },
  inject: { name: 'inject', routes: [{ contract: ExperimentStarted, run: inject, meaning: byExecution }] },
  observe: {
    name: 'observe',
    routes: [
      { contract: FaultInjected, run: startObservation },
      { contract: ObservationWindowElapsed, run: completeObservation },
    ],
  },
  guard: { name: 'guard', routes: [{ contract: CloudWatchAlarmStateChange, run: guard }] },
  revert: {
    name: 'revert',
    routes: [
      { contract: ObservationCompleted, run: revertPlanned },
      { contract: SafetyViolated, run: revertForSafety },
      { contract: InjectionFailed, run: revertAfterInjectionFailure },
    ],
  },
  recover: {
    name: 'recover',
    routes: [
      { contract: FaultReverted, run: beginRecovery },
      { contract: RecoveryCheckDue, run: continueRecovery },
    ],
  },
  validate: {
    name: 'validate',
    routes: [
      { contract: RecoveryConfirmed, run: validate },
      { contract: RecoveryTimedOut, run: validate },
    ],
  },
  sweeper: { name: 'sweeper', routes: [{ contract: ScheduledEvent, run: sweep }] },
} satisfies Record<string, PhaseDefinition>;
