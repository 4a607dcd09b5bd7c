import * as z from 'zod';
import { defineContract, faultlineDetail, isoTimeSchema } from './contract';
import { faultSummarySchema } from './shapes';

/** Every fault of the execution took effect; each is undone at the latest at `revertDeadline`. */
export const FaultInjected = defineContract({
  detailType: 'FaultInjected',
  version: 1,
  description: 'what was done to which target, and its revert deadline',
  schema: faultlineDetail(1, {
    faults: z.array(faultSummarySchema).min(1),
    revertDeadline: isoTimeSchema,
    observationEndsAt: isoTimeSchema,
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
        expiresAt: '2026-11-29T10:05:20.000Z',
      },
    ],
    revertDeadline: '2026-11-29T10:05:20.000Z',
    observationEndsAt: '2026-11-29T10:03:20.000Z',
  },
});
