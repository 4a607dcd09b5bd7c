import type { FaultParameters, HostFaultType } from '../../domain/faults';
import { FaultlineError } from '../../errors';
import { parseParameters } from './fault-support';

/**
 * Faults run on EC2 hosts by the stack's own SSM documents (ssm-documents/<fault type>.yaml),
 * named `<prefix><fault type>`. Every document takes `Action` (inject | cleanup) and
 * `DurationSeconds`, and ends its fault on the host by itself when the duration is over, so that
 * a fault outlives no deadline even if faultline stops running.
 */
export { HOST_FAULT_TYPES, type HostFaultType } from '../../domain/faults';

type HostAction = 'inject' | 'cleanup';

/** The largest DurationSeconds the documents accept (their allowedPattern). */
const MAX_DURATION_SECONDS = 999_999;

/** Parameters that cannot become a host command; nothing was sent. */
export class HostFaultParameterError extends FaultlineError {}

const IPV4_CIDR = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}(\/(3[0-2]|[12]?\d))?$/;
// Names start with a letter, digit or underscore: a leading '-' would reach the host's commands as an option.
const SERVICE_UNIT = /^[A-Za-z0-9_][A-Za-z0-9@._-]{0,127}$/;
const ENDPOINT = /^[A-Za-z0-9][A-Za-z0-9.-]{0,252}(:[0-9]{1,5})?$/;
const INTERFACE = /^[A-Za-z0-9_][A-Za-z0-9_.:-]{0,14}$/;
const DISK_PATH = /^\/[A-Za-z0-9._/-]{0,200}$/;

const fail = (message: string): never => {
  throw new HostFaultParameterError(message);
};

const specific: { [T in HostFaultType]: (p: FaultParameters<T>) => Record<string, string> } = {
  'cpu-stress': (p) => ({ LoadPercent: String(p.loadPercent), Workers: String(p.workers) }),
  'memory-stress': (p) => ({ Megabytes: String(p.megabytes) }),
  'disk-stress': (p) => {
    const path = p.path ?? '/var/tmp';
    if (!DISK_PATH.test(path) || path.split('/').includes('..'))
      fail(`disk-stress path "${path}" must be an absolute path without ".."`);
    return { Megabytes: String(p.megabytes), Path: path };
  },
  'network-latency': (p) => {
    if (!INTERFACE.test(p.interface)) fail(`network-latency interface "${p.interface}" is not an interface name`);
    return { DelayMs: String(p.delayMs), JitterMs: String(p.jitterMs), Interface: p.interface };
  },
  'network-partition': (p) => {
    const bad = p.cidrs.filter((c) => !IPV4_CIDR.test(c));
    if (bad.length) fail(`network-partition cidrs ${bad.join(', ')} are not IPv4 CIDR blocks`);
    if (p.cidrs.length > 50) fail('network-partition takes at most 50 cidrs');
    // Cutting every outbound address would cut the SSM agent too: only the host-side deadline
    // could end the fault then, and no cleanup could be confirmed.
    if (p.direction === 'dependency' && p.cidrs.length === 0)
      fail('network-partition towards a dependency needs cidrs');
    if (p.direction === 'dependency' && p.cidrs.some((c) => c.endsWith('/0')))
      fail('network-partition towards a dependency cannot cut /0');
    // "any" rather than an empty value: an ingress partition from everywhere.
    return { Direction: p.direction, Cidrs: p.cidrs.length ? p.cidrs.join(',') : 'any' };
  },
  'service-unavailable': (p) => {
    if (!p.service) fail('service-unavailable on AWS needs the "service" parameter (a systemd unit)');
    if (!SERVICE_UNIT.test(p.service!)) fail(`service-unavailable service "${p.service}" is not a systemd unit name`);
    // Stopping the agent would cut faultline off from the host: no cleanup could ever be confirmed.
    if (/^amazon-ssm-agent(\.service)?$/.test(p.service!)) fail('service-unavailable cannot stop the SSM agent');
    return { Service: p.service! };
  },
  'dependency-timeout': (p) => {
    if (!p.endpoint) fail('dependency-timeout on AWS needs the "endpoint" parameter (host or host:port)');
    if (!ENDPOINT.test(p.endpoint!)) fail(`dependency-timeout endpoint "${p.endpoint}" is not host or host:port`);
    return { Endpoint: p.endpoint! };
  },
};

/**
 * The SendCommand `Parameters` of a host fault. Values are checked here as the documents'
 * allowedPattern checks them, so that a bad value is refused with its reason before anything is sent.
 */
export const hostFaultParameters = (
  faultType: HostFaultType,
  parameters: Record<string, unknown>,
  durationSeconds: number,
  action: HostAction,
): Record<string, string[]> => {
  if (!Number.isInteger(durationSeconds) || durationSeconds < 1 || durationSeconds > MAX_DURATION_SECONDS) {
    fail(`${faultType} duration ${durationSeconds}s is outside 1..${MAX_DURATION_SECONDS}`);
  }
  let parsed: FaultParameters<HostFaultType>;
  try {
    parsed = parseParameters(faultType, parameters);
  } catch (error) {
    throw new HostFaultParameterError((error as Error).message, { cause: error });
  }
  // The schema of `faultType` parsed these parameters, so they fit its own mapping.
  const values = (specific[faultType] as (p: FaultParameters<HostFaultType>) => Record<string, string>)(parsed);
  return Object.fromEntries(
    Object.entries({ Action: action, DurationSeconds: String(durationSeconds), ...values }).map(([k, v]) => [k, [v]]),
  );
};
