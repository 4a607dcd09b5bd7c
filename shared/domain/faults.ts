import * as z from 'zod';

export {
  ALL_FAULT_TYPES,
  FAULT_TYPES,
  HOST_FAULT_TYPES,
  PROVIDER_SPECIFIC_FAULT_TYPES,
  type FaultType,
  type HostFaultType,
  type StandardFaultType,
} from '../../events/vocabulary';
import { ALL_FAULT_TYPES, type FaultType } from '../../events/vocabulary';

export const isFaultType = (value: string): value is FaultType =>
  (ALL_FAULT_TYPES as readonly string[]).includes(value);

const percent = z.number().min(1).max(100);

/**
 * Parameters of each fault type. Strict: an unknown parameter is an error, because a typo
 * (`delayMS`) must not silently run a different experiment.
 */
export const faultParameterSchemas = {
  'instance-termination': z
    .object({
      /** terminate (default), stop or reboot the instance. */
      action: z.enum(['terminate', 'stop', 'reboot']).default('terminate'),
    })
    .strict(),
  'network-latency': z
    .object({
      delayMs: z.number().int().min(1).max(60_000).default(200),
      jitterMs: z.number().int().min(0).max(10_000).default(0),
      /** Network interface on hosts (AWS); ignored locally. */
      interface: z.string().min(1).default('eth0'),
    })
    .strict(),
  'network-partition': z
    .object({
      /** Where traffic is cut: `dependency` (outbound calls) or `ingress` (calls to the target). */
      direction: z.enum(['ingress', 'dependency']).default('ingress'),
      /** CIDR blocks to cut off on hosts (AWS). */
      cidrs: z.array(z.string().min(1)).default([]),
    })
    .strict(),
  'cpu-stress': z
    .object({
      loadPercent: percent.default(90),
      workers: z.number().int().min(1).max(64).default(1),
    })
    .strict(),
  'memory-stress': z
    .object({
      megabytes: z.number().int().min(1).max(65_536).default(256),
    })
    .strict(),
  'disk-stress': z
    .object({
      megabytes: z.number().int().min(1).max(1_048_576).default(256),
      path: z.string().min(1).optional(),
    })
    .strict(),
  'service-unavailable': z
    .object({
      statusCode: z.number().int().min(500).max(599).default(503),
      /** Share of requests that fail. */
      percent: percent.default(100),
      /** Service name on hosts (AWS: a systemd unit stopped for the duration). */
      service: z.string().min(1).optional(),
    })
    .strict(),
  'database-failure': z
    .object({
      /** local: stop the dependency process; aws: failover a cluster or reboot an instance with failover. */
      mode: z.enum(['stop', 'failover', 'reboot']).default('stop'),
    })
    .strict(),
  'dependency-timeout': z
    .object({
      /** Host or port of the dependency whose calls hang (AWS: host:port blackholed). */
      endpoint: z.string().min(1).optional(),
    })
    .strict(),
  'fis-experiment': z
    .object({
      experimentTemplateId: z.string().min(1),
    })
    .strict(),
} satisfies Record<FaultType, z.ZodType>;

export type FaultParameters<T extends FaultType> = z.output<(typeof faultParameterSchemas)[T]>;
