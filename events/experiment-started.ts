import * as z from 'zod';
import { defineContract, faultlineDetail, isoTimeSchema } from './contract';
import { metricsSchema, resolvedTargetSchema } from './shapes';

/** Preflight passed: targets resolved and leased, baseline captured. */
export const ExperimentStarted = defineContract({
  detailType: 'ExperimentStarted',
  version: 1,
  description: 'targets resolved, baseline captured, lease held',
  schema: faultlineDetail(1, {
    targets: z.array(resolvedTargetSchema).min(1),
    baseline: metricsSchema.optional(),
    /** An injection event older than this injects nothing. */
    injectBy: isoTimeSchema,
  }),
  fixture: {
    version: 1,
    executionId: '0f0c3f7a-5c1e-4d7e-9a55-6f2b1c9d8e01',
    experimentId: 'checkout-instance-loss',
    targets: [
      {
        name: 'web',
        provider: 'aws',
        resourceType: 'aws:ec2:instance',
        id: 'i-0abc1234def567890',
        key: 'aws:ec2:instance:i-0abc1234def567890',
      },
    ],
    baseline: { availabilityPercent: 100, latencyMs: { p95: 120 } },
    injectBy: '2026-11-29T10:01:00.000Z',
  },
});
