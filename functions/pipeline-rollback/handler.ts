import { awsDeliveryExtras } from '../../shared/lambda/aws-root';
import { deliveryDefinitions } from '../../shared/delivery/definitions';
import { awsPhaseDependencies } from '../../shared/lambda/aws-root';
import { createPhaseHandler } from '../../shared/lambda/phase-handler';

export const handler = createPhaseHandler(
  deliveryDefinitions(awsDeliveryExtras).pipelineRollback,
  awsPhaseDependencies,
);
