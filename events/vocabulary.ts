/** The words events and the domain share: fault types, statuses, verdicts, triggers. */

/** The nine fault types of REL08-BP03, known by name. */
export const FAULT_TYPES = [
  'instance-termination',
  'network-latency',
  'network-partition',
  'cpu-stress',
  'memory-stress',
  'disk-stress',
  'service-unavailable',
  'database-failure',
  'dependency-timeout',
] as const;

/**
 * Faults that act on a host's processes, network or resources (stress, latency, partition,
 * unavailability, timeouts), as opposed to the host or database as a whole. On AWS they run as
 * SSM documents; locally, inside the member process.
 */
export const HOST_FAULT_TYPES = [
  'cpu-stress',
  'memory-stress',
  'disk-stress',
  'network-latency',
  'network-partition',
  'service-unavailable',
  'dependency-timeout',
] as const satisfies readonly StandardFaultType[];
export type HostFaultType = (typeof HOST_FAULT_TYPES)[number];

/** Fault types that only one provider offers (AWS FIS runs a whole FIS experiment template). */
export const PROVIDER_SPECIFIC_FAULT_TYPES = ['fis-experiment'] as const;

export type StandardFaultType = (typeof FAULT_TYPES)[number];
export type FaultType = StandardFaultType | (typeof PROVIDER_SPECIFIC_FAULT_TYPES)[number];

export const ALL_FAULT_TYPES: readonly FaultType[] = [...FAULT_TYPES, ...PROVIDER_SPECIFIC_FAULT_TYPES];

/** Status of an execution (docs/architecture.md §3). */
export const STATUSES = [
  'REQUESTED',
  'PREPARING',
  'INJECTING',
  'OBSERVING',
  'REVERTING',
  'RECOVERING',
  'VALIDATING',
  'COMPLETED',
  'REJECTED',
  'ABORTED',
  'FAILED',
  'ROLLBACK_FAILED',
] as const;
export type Status = (typeof STATUSES)[number];

/** Final statuses: nothing moves an execution out of them. */
export const FINAL_STATUSES = [
  'COMPLETED',
  'REJECTED',
  'ABORTED',
  'FAILED',
  'ROLLBACK_FAILED',
] as const satisfies readonly Status[];
export type FinalStatus = (typeof FINAL_STATUSES)[number];
export const isFinal = (s: Status): s is FinalStatus => (FINAL_STATUSES as readonly Status[]).includes(s);
/** Statuses an execution passes through on its way to a final one, in the order of the flow. */
export const ACTIVE_STATUSES: readonly Status[] = STATUSES.filter((s) => !isFinal(s));

/** Statuses in which a fault may be active, so a safety violation must revert. */
export const FAULT_ACTIVE_STATUSES = ['INJECTING', 'OBSERVING', 'REVERTING'] as const satisfies readonly Status[];

export const VERDICTS = ['PASSED', 'FAILED', 'INCONCLUSIVE'] as const;
export type Verdict = (typeof VERDICTS)[number];

export const TRIGGER_TYPES = ['cli', 'pipeline', 'gameday', 'api'] as const;
export type TriggerType = (typeof TRIGGER_TYPES)[number];
