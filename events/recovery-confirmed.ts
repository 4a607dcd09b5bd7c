import * as z from 'zod';
import { defineContract, faultlineDetail, isoTimeSchema } from './contract';

/** The system is back to steady state. */
export const RecoveryConfirmed = defineContract({
  detailType: 'RecoveryConfirmed',
  version: 1,
  description: 'the system is back to steady state; recovery time measured',
  schema: faultlineDetail(1, { recoverySeconds: z.number().min(0), confirmedAt: isoTimeSchema }),
  fixture: {
    version: 1,
    executionId: '0f0c3f7a-5c1e-4d7e-9a55-6f2b1c9d8e01',
    experimentId: 'checkout-instance-loss',
    recoverySeconds: 42.5,
    confirmedAt: '2026-11-29T10:04:03.500Z',
  },
});
