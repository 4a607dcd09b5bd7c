import * as z from 'zod';
import { defineContract, faultlineDetail, isoTimeSchema } from './contract';

export const SAFETY_REASONS = ['alarm', 'probe', 'operator', 'halt', 'deadline'] as const;

/** Unplanned stop: every injected fault is reverted and the verdict can never be PASSED. */
export const SafetyViolated = defineContract({
  detailType: 'SafetyViolated',
  version: 1,
  description: 'unplanned stop',
  schema: faultlineDetail(1, {
    reason: z.enum(SAFETY_REASONS),
    message: z.string().min(1).max(2048),
    alarmName: z.string().optional(),
    at: isoTimeSchema,
  }),
  fixture: {
    version: 1,
    executionId: '0f0c3f7a-5c1e-4d7e-9a55-6f2b1c9d8e01',
    experimentId: 'checkout-instance-loss',
    reason: 'alarm',
    alarmName: 'checkout-5xx-rate',
    message: 'stop-condition alarm checkout-5xx-rate is in ALARM',
    at: '2026-11-29T10:01:10.000Z',
  },
});
