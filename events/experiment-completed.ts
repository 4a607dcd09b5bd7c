import * as z from 'zod';
import { defineContract, faultlineDetail, isoTimeSchema } from './contract';
import { faultSummarySchema, statusSchema, triggerSchema, verdictSchema } from './shapes';

/**
 * The result of an execution: the public event other teams subscribe to. Published for every
 * execution that reaches a final status, rejections and dry runs included.
 */
export const ExperimentCompleted = defineContract({
  detailType: 'ExperimentCompleted',
  version: 1,
  description: 'the result: status, verdict, criteria, metrics',
  schema: faultlineDetail(1, {
    /** 0 when the template was unusable (the execution is then REJECTED). */
    templateVersion: z.number().int().min(0),
    status: statusSchema,
    verdict: verdictSchema,
    environment: z.string(),
    dryRun: z.boolean(),
    trigger: triggerSchema,
    criteria: z.array(
      z.object({
        type: z.string(),
        expected: z.string(),
        actual: z.string().nullable(),
        passed: z.boolean().nullable(),
      }),
    ),
    metrics: z.object({
      availabilityPercent: z.number().nullable(),
      p95LatencyMs: z.number().nullable(),
      recoverySeconds: z.number().nullable(),
    }),
    safety: z.object({ violated: z.boolean(), reason: z.string().optional() }),
    faults: z.array(faultSummarySchema),
    reasons: z.array(z.string()),
    requestedAt: isoTimeSchema,
    completedAt: isoTimeSchema,
  }),
  fixture: {
    version: 1,
    executionId: '0f0c3f7a-5c1e-4d7e-9a55-6f2b1c9d8e01',
    experimentId: 'checkout-instance-loss',
    templateVersion: 3,
    status: 'COMPLETED',
    verdict: 'PASSED',
    environment: 'staging',
    dryRun: false,
    trigger: {
      type: 'pipeline',
      pipeline: { name: 'checkout', stage: 'Deploy', executionId: '12345678-1234-5678-abcd-12345678abcd' },
    },
    criteria: [
      { type: 'availability', expected: '>= 99%', actual: '99.6%', passed: true },
      { type: 'recoveryTime', expected: '<= 120s', actual: '42.5s', passed: true },
    ],
    metrics: { availabilityPercent: 99.6, p95LatencyMs: 310, recoverySeconds: 42.5 },
    safety: { violated: false },
    faults: [
      {
        action: 'kill-one',
        faultType: 'instance-termination',
        targetKey: 'aws:ec2:instance:i-0abc1234def567890',
        targetId: 'i-0abc1234def567890',
        injectedAt: '2026-11-29T10:00:20.000Z',
        revertedAt: '2026-11-29T10:03:21.000Z',
      },
    ],
    reasons: [],
    requestedAt: '2026-11-29T10:00:00.000Z',
    completedAt: '2026-11-29T10:04:04.000Z',
  },
});
