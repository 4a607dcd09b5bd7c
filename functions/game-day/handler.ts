import { awsDeliveryExtras } from '../../shared/delivery/aws';
import { deliveryDefinitions } from '../../shared/delivery/definitions';
import { awsPhaseDependencies } from '../../shared/runtime/aws-dependencies';
import { createPhaseHandler } from '../../shared/runtime/phase-handler';

export const handler = createPhaseHandler(deliveryDefinitions(awsDeliveryExtras).gameDay, awsPhaseDependencies);
