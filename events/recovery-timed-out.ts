import * as z from 'zod';
import { defineContract, faultlineDetail, isoTimeSchema } from './contract';

/** The system did not come back before the recovery timeout. */
export const RecoveryTimedOut = defineContract({
  detailType: 'RecoveryTimedOut',
  version: 1,
  description: 'it did not come back in time',
  schema: faultlineDetail(1, { waitedSeconds: z.number().min(0), lastCheck: z.string().optional(), at: isoTimeSchema }),
  fixture: {
    version: 1,
    executionId: '0f0c3f7a-5c1e-4d7e-9a55-6f2b1c9d8e01',
    experimentId: 'checkout-instance-loss',
    waitedSeconds: 300,
    lastCheck: '2 of 3 targets healthy',
    at: '2026-11-29T10:08:21.000Z',
  },
});
