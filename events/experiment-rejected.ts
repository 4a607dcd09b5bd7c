import * as z from 'zod';
import { defineContract, faultlineDetail } from './contract';

/** Preflight refused the execution; nothing was injected. */
export const ExperimentRejected = defineContract({
  detailType: 'ExperimentRejected',
  version: 1,
  description: 'preflight refused; reasons listed',
  schema: faultlineDetail(1, {
    reasons: z.array(z.string()).min(1),
    problems: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  }),
  fixture: {
    version: 1,
    executionId: '0f0c3f7a-5c1e-4d7e-9a55-6f2b1c9d8e01',
    experimentId: 'checkout-instance-loss',
    reasons: ['stop-condition alarm checkout-5xx-rate is already in ALARM'],
  },
});
