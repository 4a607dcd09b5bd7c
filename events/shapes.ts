/** Shapes shared by several contracts. */
import * as z from 'zod';
import { isoTimeSchema } from './contract';
import { ALL_FAULT_TYPES, STATUSES, TRIGGER_TYPES, VERDICTS } from './vocabulary';

export const triggerSchema = z.object({
  type: z.enum(TRIGGER_TYPES),
  reference: z.string().max(512).optional(),
  pipeline: z
    .object({
      name: z.string().min(1),
      stage: z.string().min(1),
      executionId: z.string().min(1),
      actionExecutionId: z.string().optional(),
      jobId: z.string().optional(),
    })
    .optional(),
  gameDay: z.object({ suite: z.string().min(1), runId: z.string().min(1) }).optional(),
});

export const resolvedTargetSchema = z.object({
  name: z.string().min(1),
  provider: z.enum(['aws', 'local']),
  resourceType: z.string().min(1),
  id: z.string().min(1),
  key: z.string().min(1),
  attributes: z.record(z.string(), z.string()).optional(),
});

export const metricsSchema = z.object({
  availabilityPercent: z.number().optional(),
  latencyMs: z
    .object({
      p50: z.number().optional(),
      p90: z.number().optional(),
      p95: z.number().optional(),
      p99: z.number().optional(),
    })
    .optional(),
  requests: z.number().optional(),
  from: z.string().optional(),
  to: z.string().optional(),
});

const faultTypeSchema = z.enum(ALL_FAULT_TYPES as [string, ...string[]]);
export const statusSchema = z.enum(STATUSES);
export const verdictSchema = z.enum(VERDICTS);

export const faultSummarySchema = z.object({
  action: z.string().min(1),
  faultType: faultTypeSchema,
  targetKey: z.string().min(1),
  targetId: z.string().min(1),
  injectedAt: isoTimeSchema.optional(),
  revertedAt: isoTimeSchema.optional(),
  expiresAt: isoTimeSchema.optional(),
  state: z.string().optional(),
});
