import * as z from 'zod';
import { defineContract, faultlineDetail } from './contract';

/** A fault could not be undone: it may still be active and needs a human. */
export const RollbackFailed = defineContract({
  detailType: 'RollbackFailed',
  version: 1,
  description: 'a fault could not be undone: needs a human',
  schema: faultlineDetail(1, {
    faults: z.array(z.object({ action: z.string(), targetKey: z.string(), error: z.string() })).min(1),
  }),
  fixture: {
    version: 1,
    executionId: '0f0c3f7a-5c1e-4d7e-9a55-6f2b1c9d8e01',
    experimentId: 'checkout-instance-loss',
    faults: [
      { action: 'stress-cpu', targetKey: 'aws:ec2:instance:i-0abc1234def567890', error: 'CancelCommand: AccessDenied' },
    ],
  },
});
