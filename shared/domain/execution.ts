import { randomUUID } from 'node:crypto';
import type { FaultType } from './faults';
import type { Template } from './template';

export {
  ACTIVE_STATUSES,
  FAULT_ACTIVE_STATUSES,
  FINAL_STATUSES,
  isFinal,
  STATUSES,
  TRIGGER_TYPES,
  VERDICTS,
  type FinalStatus,
  type Status,
  type TriggerType,
  type Verdict,
} from '../../events/vocabulary';
import type { Status, TriggerType, Verdict } from '../../events/vocabulary';

/** Who asked for an execution; carried into its record and its result. */
export interface Trigger {
  type: TriggerType;
  /** Free-form origin: a user, a pipeline execution id, a suite run id. */
  reference?: string;
  pipeline?: { name: string; stage: string; executionId: string; actionExecutionId?: string; jobId?: string };
  gameDay?: { suite: string; runId: string };
}

/** A target chosen for an experiment. `key` is globally unique and is what the lease is on. */
export interface ResolvedTarget {
  /** Name of the target in the template. */
  name: string;
  provider: 'aws' | 'local';
  resourceType: string;
  /** The resource: an instance id, an ARN, a replica name. */
  id: string;
  key: string;
  attributes?: Record<string, string>;
}

/**
 * Every name under which a target is leased. A resource reachable under two names is one lease:
 * an RDS instance is also leased as its cluster, so a cluster failover and a fault on one of its
 * instances never run together.
 */
export const leaseKeys = (target: ResolvedTarget): string[] => {
  const keys = [target.key];
  const cluster = target.attributes?.clusterId;
  if (target.resourceType === 'aws:rds:db' && cluster) keys.push(`aws:rds:cluster:${cluster}`);
  return keys;
};

/** Steady-state and observed figures. A missing figure is `undefined`, never 0. */
export interface Metrics {
  availabilityPercent?: number;
  latencyMs?: { p50?: number; p90?: number; p95?: number; p99?: number };
  requests?: number;
  from?: string;
  to?: string;
}

export interface CriterionResult {
  type: string;
  expected: string;
  actual: string | null;
  passed: boolean | null;
}

export interface SafetyState {
  violated: boolean;
  reason?: string;
  source?: string;
  at?: string;
}

/** The execution item: one per run of a template. */
export interface Execution {
  executionId: string;
  experimentId: string;
  templateVersion: number;
  /** The validated template; absent only on executions rejected for an unusable template. */
  template?: Template;
  status: Status;
  /** Optimistic concurrency: every transition increments it. */
  version: number;
  environment: string;
  dryRun: boolean;
  trigger: Trigger;
  requestedAt: string;
  updatedAt: string;
  targets?: ResolvedTarget[];
  baseline?: Metrics;
  observation?: Metrics;
  injectedAt?: string;
  revertDeadline?: string;
  observationEndsAt?: string;
  revertedAt?: string;
  recoveryDeadline?: string;
  recoveredAt?: string;
  recoverySeconds?: number;
  recoveryTimedOut?: boolean;
  safety: SafetyState;
  verdict?: Verdict;
  criteria?: CriterionResult[];
  reasons?: string[];
  /** How often the sweeper had to move it on. */
  sweeps?: number;
  /** Internal failure (injection failed, stale start): the execution ends FAILED after its revert. */
  failure?: string;
  completedAt?: string;
}

export type FaultState = 'ARMED' | 'INJECTED' | 'FAILED' | 'REVERTED' | 'REVERT_FAILED';

/** What was (or is about to be) done to one target, and what undoes it. */
export interface FaultRecord {
  executionId: string;
  action: string;
  faultType: FaultType;
  target: ResolvedTarget;
  parameters: Record<string, unknown>;
  state: FaultState;
  /** The event whose processing recorded it: only that attempt (or its retry) injects it. */
  owner?: string;
  /** Provider's handle for the revert (a command id, a fault id). */
  handle?: Record<string, string>;
  armedAt: string;
  injectedAt?: string;
  revertedAt?: string;
  /** When the fault ends by itself even if faultline stops. */
  expiresAt: string;
  error?: string;
}

export type JournalOutcome = 'ok' | 'rejected' | 'failed' | 'stale' | 'duplicate' | 'skipped';

/** One record per activity, as in a chaos journal. */
export interface JournalEntry {
  at: string;
  phase: string;
  action: string;
  outcome: JournalOutcome;
  detail?: Record<string, unknown>;
  error?: string;
  /** Its place in the execution's journal chain (1, 2, ...), the previous entry's hash and its own (journal-chain.ts). */
  seq?: number;
  prev?: string;
  hash?: string;
}

/** A new execution id. */
export const newExecutionId = (): string => randomUUID();
