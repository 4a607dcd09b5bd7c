import { PHASES } from '../../shared/phases/definitions';
import { awsPhaseDependencies } from '../../shared/runtime/aws-dependencies';
import { createPhaseHandler } from '../../shared/runtime/phase-handler';

export const handler = createPhaseHandler(PHASES.sweeper, awsPhaseDependencies);
