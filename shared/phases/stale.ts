import type { Execution, JournalEntry, Status } from '../domain/execution';
import type { ExecutionRepository, JournalRepository } from '../store/execution-store';

/** What `journalStale` uses: the journal. */
export type JournalStaleDependencies = { store: Pick<JournalRepository, 'journal'> };

/** What `executionIn` uses: the execution, and `journalStale`. */
export type ExecutionInDependencies = JournalStaleDependencies & { store: Pick<ExecutionRepository, 'getExecution'> };

/**
 * The execution an event is about, when it is in one of `statuses` (and `ready`, when given);
 * otherwise undefined: the event is stale and changes nothing. A stale event is journaled on its
 * execution (`outcome`, stale by default, with its status and `detail`); one for no execution
 * writes nothing.
 */
export const executionIn = async (
  deps: ExecutionInDependencies,
  executionId: string,
  statuses: readonly Status[],
  phase: string,
  action: string,
  options: {
    ready?: (execution: Execution) => boolean;
    detail?: Record<string, unknown>;
    outcome?: JournalEntry['outcome'];
  } = {},
): Promise<Execution | undefined> => {
  const execution = await deps.store.getExecution(executionId);
  if (execution && statuses.includes(execution.status) && (options.ready?.(execution) ?? true)) return execution;
  await journalStale(deps, executionId, execution, phase, action, options);
  return undefined;
};

/** Journals a stale event on its execution, when there is one. */
export const journalStale = async (
  deps: JournalStaleDependencies,
  executionId: string,
  execution: Execution | undefined,
  phase: string,
  action: string,
  options: { detail?: Record<string, unknown>; outcome?: JournalEntry['outcome'] } = {},
): Promise<void> => {
  if (!execution) return;
  await deps.store.journal(executionId, {
    phase,
    action,
    outcome: options.outcome ?? 'stale',
    detail: { status: execution.status, ...options.detail },
  });
};
