import * as z from 'zod';
import { defineContract } from '../contract';

/** States CodePipeline reports for stages and actions. */
export const PIPELINE_STATES = [
  'STARTED',
  'SUCCEEDED',
  'RESUMED',
  'FAILED',
  'CANCELED',
  'SUPERSEDED',
  'STOPPED',
  'STOPPING',
  'ABANDONED',
] as const;

/**
 * CodePipeline's own numbers (`version`, `pipeline-execution-attempt`) arrive as JSON numbers
 * (`1.0`); only the fields the pipeline trigger relies on are required.
 */
const common = {
  pipeline: z.string().min(1).max(100),
  'execution-id': z.string().min(1),
  stage: z.string().min(1).max(100),
  state: z.string().min(1),
  version: z.number().optional(),
  'pipeline-execution-attempt': z.number().optional(),
  'start-time': z.string().optional(),
};

/** "CodePipeline Stage Execution State Change" from `aws.codepipeline`. */
export const CodePipelineStageExecutionStateChange = defineContract({
  detailType: 'CodePipeline Stage Execution State Change',
  source: 'aws.codepipeline',
  version: 0,
  description: 'a pipeline stage changed state (the pipeline trigger starts bound experiments on SUCCEEDED)',
  schema: z.object(common),
  fixture: {
    pipeline: 'checkout',
    'execution-id': '12345678-1234-5678-abcd-12345678abcd',
    stage: 'Deploy',
    state: 'SUCCEEDED',
    version: 3,
    'pipeline-execution-attempt': 1,
  },
});

/** "CodePipeline Action Execution State Change" from `aws.codepipeline`. */
export const CodePipelineActionExecutionStateChange = defineContract({
  detailType: 'CodePipeline Action Execution State Change',
  source: 'aws.codepipeline',
  version: 0,
  description: 'a pipeline action changed state (starts experiments bound to that action on SUCCEEDED)',
  schema: z.object({
    ...common,
    action: z.string().min(1).max(100),
    'action-execution-id': z.string().min(1).optional(),
    type: z
      .object({ owner: z.string(), provider: z.string(), category: z.string(), version: z.string() })
      .partial()
      .optional(),
  }),
  fixture: {
    pipeline: 'checkout',
    'execution-id': '12345678-1234-5678-abcd-12345678abcd',
    stage: 'Deploy',
    action: 'Deploy',
    'action-execution-id': '47f821c5-a902-44b2-ae61-b878d31ecd21',
    state: 'SUCCEEDED',
    type: { owner: 'AWS', provider: 'CodeDeploy', category: 'Deploy', version: '1' },
    version: 4,
    'pipeline-execution-attempt': 1,
  },
});
