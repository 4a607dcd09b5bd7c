import { SafetyViolated } from '../../events';
import { isFinal, STATUSES, type Execution } from '../domain/execution';
import type { ExecutionRepository, HaltSwitchRepository } from '../store/execution-store';
import type { PhaseDependencies } from './dependencies';
import { recordViolation } from './finish';

/** What an operator's command works with: the executions, the halt switch and the bus, nothing else of a phase. */
export type OperatorDependencies = { store: ExecutionRepository & HaltSwitchRepository } & Pick<
  PhaseDependencies,
  'publisher'
>;

type AbortOutcome =
  | { kind: 'missing' }
  | { kind: 'final'; execution: Execution }
  | { kind: 'requested'; execution: Execution };

/** An operator stops one running execution: SafetyViolated (operator) reverts every injected fault. */
export const abortExecution = async (
  deps: OperatorDependencies,
  executionId: string,
  by: string,
  at: Date,
): Promise<AbortOutcome> => {
  const execution = await deps.store.getExecution(executionId);
  if (!execution) return { kind: 'missing' };
  if (isFinal(execution.status)) return { kind: 'final', execution };
  await deps.publisher.publish([
    SafetyViolated.entry({
      executionId,
      experimentId: execution.experimentId,
      reason: 'operator',
      message: `aborted by ${by}`,
      at: at.toISOString(),
    }),
  ]);
  return { kind: 'requested', execution };
};

/**
 * The kill switch: blocks new starts and reverts every running experiment. Each violation is
 * written on its execution before SafetyViolated announces it, so that no verdict passes it
 * whenever (or whether) the event arrives. Returns the executions told to revert.
 */
export const haltExperiments = async (
  deps: OperatorDependencies,
  reason: string,
  by: string,
  at: Date,
): Promise<Execution[]> => {
  await deps.store.halt(reason, by);
  const running: Execution[] = [];
  for (const status of STATUSES.filter((st) => !isFinal(st))) {
    running.push(...(await deps.store.executionsInStatus(status)));
  }
  const message = `halted: ${reason}`;
  const when = at.toISOString();
  const stopping: Execution[] = [];
  for (const e of running) {
    // Null: it ended meanwhile, nothing to stop.
    const safety = { violated: true, reason: message, source: 'halt', at: when } as const;
    const marked = await recordViolation(deps, e.executionId, safety);
    if (marked) stopping.push(marked);
  }
  if (stopping.length) {
    await deps.publisher.publish(
      stopping.map((e) =>
        SafetyViolated.entry({
          executionId: e.executionId,
          experimentId: e.experimentId,
          reason: 'halt',
          message,
          at: when,
        }),
      ),
    );
  }
  return stopping;
};
