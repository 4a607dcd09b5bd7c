import { awsDeliveryDependencies } from '../../shared/delivery/aws';
import { createPipelineGateHandler } from '../../shared/delivery/gate';

/** Invoked by CodePipeline (Invoke action, provider Lambda), not by an EventBridge rule. */
export const handler = createPipelineGateHandler(awsDeliveryDependencies);
