import { PHASES } from '../../shared/phases/definitions';
import { awsPhaseDependencies } from '../../shared/lambda/aws-root';
import { createPhaseHandler } from '../../shared/lambda/phase-handler';

export const handler = createPhaseHandler(PHASES.observe, awsPhaseDependencies);
