import * as z from 'zod';
import { defineContract, faultlineDetail, isoTimeSchema } from './contract';
import { faultSummarySchema } from './shapes';

/** Every injected fault is undone; recovery checks begin. */
export const FaultReverted = defineContract({
  detailType: 'FaultReverted',
  version: 1,
  description: 'every injected fault undone',
  schema: faultlineDetail(1, {
    faults: z.array(faultSummarySchema),
    revertedAt: isoTimeSchema,
    /** false when a safety violation forced the revert. */
    planned: z.boolean(),
  }),
  fixture: {
    version: 1,
    executionId: '0f0c3f7a-5c1e-4d7e-9a55-6f2b1c9d8e01',
    experimentId: 'checkout-instance-loss',
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
    revertedAt: '2026-11-29T10:03:21.000Z',
    planned: true,
  },
});
