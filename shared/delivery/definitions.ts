import {
  CodePipelineActionExecutionStateChange,
  CodePipelineStageExecutionStateChange,
  ExperimentCompleted,
  GameDayDue,
} from '../../events';
import type { PhaseDependencies } from '../phases/dependencies';
import type { PhaseDefinition } from '../phases/route';
import type { DeliveryDependencies, DeliveryExtras } from './dependencies';
import { recordGameDayResult, startGameDay } from './game-day';
import { reactToVerdict } from './rollback';
import { startPipelineExperiments } from './trigger';

/** Names of the delivery functions in serverless.yml. The gate is invoked directly, not by a rule. */
const DELIVERY_FUNCTION_NAMES = {
  pipelineTrigger: 'pipelineTrigger',
  pipelineGate: 'pipelineGate',
  pipelineRollback: 'pipelineRollback',
  gameDay: 'gameDay',
} as const;

type ExtrasSource = DeliveryExtras | (() => DeliveryExtras);

/**
 * The delivery functions that EventBridge invokes: which events each accepts and its domain
 * function. Each run is handed the phase dependencies plus the delivery extras (the CodePipeline
 * port and settings), resolved on first use so that AWS configuration is read at cold start.
 */
export const deliveryDefinitions = (extras: ExtrasSource) => {
  let resolved: DeliveryExtras | undefined;
  const extend = (deps: PhaseDependencies): DeliveryDependencies => ({
    ...deps,
    ...(resolved ??= typeof extras === 'function' ? extras() : extras),
  });
  return {
    pipelineTrigger: {
      name: DELIVERY_FUNCTION_NAMES.pipelineTrigger,
      routes: [
        {
          contract: CodePipelineStageExecutionStateChange,
          run: (event, deps) => startPipelineExperiments(event, extend(deps)),
        },
        {
          contract: CodePipelineActionExecutionStateChange,
          run: (event, deps) => startPipelineExperiments(event, extend(deps)),
        },
      ],
    },
    pipelineRollback: {
      name: DELIVERY_FUNCTION_NAMES.pipelineRollback,
      routes: [{ contract: ExperimentCompleted, run: (event, deps) => reactToVerdict(event, extend(deps)) }],
    },
    gameDay: {
      name: DELIVERY_FUNCTION_NAMES.gameDay,
      routes: [
        { contract: GameDayDue, run: (event, deps) => startGameDay(event, extend(deps)) },
        { contract: ExperimentCompleted, run: (event, deps) => recordGameDayResult(event, extend(deps)) },
      ],
    },
  } satisfies Record<string, PhaseDefinition>;
};
