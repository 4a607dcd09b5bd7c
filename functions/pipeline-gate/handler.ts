import { awsDeliveryDependencies } from '../../shared/lambda/aws-root';
import { createPipelineGateHandler } from '../../shared/delivery/gate';

/** Invoked by CodePipeline (Invoke action, provider Lambda), not by an EventBridge rule. */
export const handler = createPipelineGateHandler(awsDeliveryDependencies);
