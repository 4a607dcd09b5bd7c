import * as z from 'zod';
import { defineContract, faultlineDetail } from './contract';

/** A fault could not be injected; revert undoes whatever was partly done. */
export const InjectionFailed = defineContract({
  detailType: 'InjectionFailed',
  version: 1,
  description: 'undo whatever was partly done',
  schema: faultlineDetail(1, {
    action: z.string().min(1),
    targetKey: z.string().min(1).optional(),
    error: z.string().min(1),
  }),
  fixture: {
    version: 1,
    executionId: '0f0c3f7a-5c1e-4d7e-9a55-6f2b1c9d8e01',
    experimentId: 'checkout-instance-loss',
    action: 'stress-cpu',
    targetKey: 'aws:ec2:instance:i-0abc1234def567890',
    error: 'SSM command failed on i-0abc1234def567890: Failed',
  },
});
