import * as z from 'zod';
import { defineContract } from '../contract';

export const ALARM_STATES = ['OK', 'ALARM', 'INSUFFICIENT_DATA'] as const;

const alarmState = z.object({
  value: z.enum(ALARM_STATES),
  reason: z.string(),
  reasonData: z.string().optional(),
  timestamp: z.string().min(1),
  actionsSuppressedBy: z.string().optional(),
  actionsSuppressedReason: z.string().optional(),
});

/**
 * "CloudWatch Alarm State Change" from `aws.cloudwatch`, as AWS sends it for metric,
 * metric-math and composite alarms. Only the fields guard relies on are required.
 */
export const CloudWatchAlarmStateChange = defineContract({
  detailType: 'CloudWatch Alarm State Change',
  source: 'aws.cloudwatch',
  version: 0,
  description: 'a CloudWatch alarm changed state (guard reverts on ALARM)',
  schema: z.object({
    alarmName: z.string().min(1),
    state: alarmState,
    previousState: alarmState,
    configuration: z.record(z.string(), z.unknown()).optional(),
  }),
  fixture: {
    alarmName: 'checkout-5xx-rate',
    state: {
      value: 'ALARM',
      reason:
        'Threshold Crossed: 1 out of the last 1 datapoints [7.0 (29/11/26 10:01:00)] was greater than the threshold (5.0).',
      timestamp: '2026-11-29T10:01:10.000+0000',
    },
    previousState: { value: 'OK', reason: 'Threshold Crossed', timestamp: '2026-11-29T09:00:00.000+0000' },
  },
});
