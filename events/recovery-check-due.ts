import * as z from 'zod';
import { defineContract, faultlineDetail, isoTimeSchema } from './contract';

/** Published by the timer: check health again, until recovered or the recovery deadline. */
export const RecoveryCheckDue = defineContract({
  detailType: 'RecoveryCheckDue',
  version: 1,
  description: 'poll health until recovered or timeout',
  schema: faultlineDetail(1, { attempt: z.number().int().min(1), deadline: isoTimeSchema }),
  fixture: {
    version: 1,
    executionId: '0f0c3f7a-5c1e-4d7e-9a55-6f2b1c9d8e01',
    experimentId: 'checkout-instance-loss',
    attempt: 2,
    deadline: '2026-11-29T10:08:21.000Z',
  },
});
