import type { DetailOf } from '../../events';
import { ExperimentCompleted } from '../../events';
import type { Execution, FaultRecord, JournalEntry } from '../domain/execution';
import { chainHead } from '../domain/journal-chain';
import { executionScore } from '../domain/score';
import type { ExecutionSeries } from '../domain/series';
import type { BusEntry } from '../ports';

type Completed = DetailOf<typeof ExperimentCompleted>;

export const faultSummaries = (faults: readonly FaultRecord[]) =>
  faults.map((f) => ({
    action: f.action,
    faultType: f.faultType,
    targetKey: f.target.key,
    targetId: f.target.id,
    injectedAt: f.injectedAt,
    revertedAt: f.revertedAt,
    expiresAt: f.expiresAt,
    state: f.state,
  }));

/** The result document of a final execution: the detail of ExperimentCompleted. */
export const resultOf = (execution: Execution, faults: readonly FaultRecord[]): Omit<Completed, 'version'> => ({
  executionId: execution.executionId,
  experimentId: execution.experimentId,
  templateVersion: execution.templateVersion,
  status: execution.status,
  verdict: execution.verdict ?? 'INCONCLUSIVE',
  environment: execution.environment,
  dryRun: execution.dryRun,
  trigger: execution.trigger,
  criteria: execution.criteria ?? [],
  metrics: {
    availabilityPercent: execution.observation?.availabilityPercent ?? null,
    p95LatencyMs: execution.observation?.latencyMs?.p95 ?? null,
    recoverySeconds: execution.recoverySeconds ?? null,
  },
  safety: {
    violated: execution.safety.violated,
    ...(execution.safety.reason ? { reason: execution.safety.reason } : {}),
  },
  faults: faultSummaries(faults),
  reasons: execution.reasons ?? [],
  requestedAt: execution.requestedAt,
  completedAt: execution.completedAt ?? execution.updatedAt,
});

export const completedEntry = (execution: Execution, faults: readonly FaultRecord[]): BusEntry =>
  ExperimentCompleted.entry(resultOf(execution, faults));

/** The result document the CLI prints with --json: the public result plus the timeline. */
export const resultDocument = (
  execution: Execution,
  faults: readonly FaultRecord[],
  journal: readonly JournalEntry[],
  series: ExecutionSeries | null = null,
) => ({
  ...resultOf(execution, faults),
  faults: faults.map((f) => ({
    action: f.action,
    faultType: f.faultType,
    target: f.target.id,
    targetKey: f.target.key,
    state: f.state,
    injectedAt: f.injectedAt ?? null,
    revertedAt: f.revertedAt ?? null,
  })),
  safety: { violated: execution.safety.violated, reason: execution.safety.reason ?? null },
  /** The journal in chain order: each entry whole, with its link, so that `faultline verify` can recompute the chain. */
  timeline: journal.map((j) => ({
    at: j.at,
    phase: j.phase,
    event: j.action,
    outcome: j.outcome,
    ...(j.error !== undefined ? { error: j.error } : {}),
    ...(j.detail !== undefined ? { detail: j.detail } : {}),
    ...(j.seq !== undefined ? { seq: j.seq, prev: j.prev, hash: j.hash } : {}),
  })),
  /** The last link of the journal's hash chain when the document was made (journal-chain.ts). */
  journalHead: chainHead(journal) ?? null,
  /** The resilience score, 0–100, or null when there is none (README "Resilience score"). */
  score: executionScore(execution),
  /** The figures over time with spans and markers, or null when none were recorded (docs/architecture.md §3). */
  series,
});
