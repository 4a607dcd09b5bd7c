import type { FaultRecord, Metrics, ResolvedTarget } from '../shared/domain/execution';
import { ALL_FAULT_TYPES, type FaultType } from '../shared/domain/faults';
import type { TargetSpec, Template } from '../shared/domain/template';
import { seriesOf } from '../shared/domain/series';
import { UnknownFaultTypeError } from '../shared/errors';
import type {
  AlarmSource,
  FaultProvider,
  FaultProviders,
  HealthCheck,
  InjectOutcome,
  InjectRequest,
  MetricsSource,
  TargetResolver,
} from '../shared/ports';

/**
 * In-memory adapters for tests and benchmarks of the flow itself (not shipped in any function): faults are bookkeeping, targets
 * a fixed list, metrics and health what the test says. The real local provider acts on the demo
 * fleet; the AWS providers on AWS.
 */
export class InMemoryFaults implements FaultProviders, FaultProvider {
  readonly provider = 'local' as const;
  readonly faultTypes: readonly FaultType[] = ALL_FAULT_TYPES;
  /** Faults injected and not reverted, by `<executionId>/<action>/<targetKey>`. */
  readonly active = new Map<string, InjectRequest>();
  readonly injections: InjectRequest[] = [];
  readonly reverts: FaultRecord[] = [];
  /** Make the next injections or reverts fail (per fault type), to test failure paths. */
  failInject = new Set<FaultType>();
  failRevert = new Set<FaultType>();
  /** Runs inside inject, before it returns: lets a test act "while injecting". */
  duringInject?: (request: InjectRequest) => Promise<void>;

  constructor(private readonly known: readonly FaultType[] = ALL_FAULT_TYPES) {}

  forFault(_provider: 'aws' | 'local', faultType: FaultType): FaultProvider {
    if (!this.known.includes(faultType)) throw new UnknownFaultTypeError(faultType, _provider);
    return this;
  }

  async inject(request: InjectRequest): Promise<InjectOutcome> {
    this.injections.push(request);
    if (this.failInject.has(request.faultType))
      throw new Error(`${request.faultType} did not take effect on ${request.target.id}`);
    // The hook runs first, so that what it sets off (an abort) happens before the fault lands.
    await this.duringInject?.(request);
    this.active.set(`${request.executionId}/${request.action}/${request.target.key}`, request);
    return { handle: { id: `${request.action}@${request.target.id}` } };
  }

  async revert(fault: FaultRecord): Promise<void> {
    if (this.failRevert.has(fault.faultType))
      throw new Error(`${fault.faultType} could not be undone on ${fault.target.id}`);
    this.reverts.push(fault);
    this.active.delete(`${fault.executionId}/${fault.action}/${fault.target.key}`);
  }
}

export class StaticTargets implements TargetResolver {
  constructor(private readonly ids: readonly string[] = ['replica-1', 'replica-2', 'replica-3']) {}
  async candidates(name: string, spec: TargetSpec): Promise<ResolvedTarget[]> {
    return this.ids.map((id) => ({
      name,
      provider: spec.provider,
      resourceType: spec.resourceType,
      id,
      key: `${spec.resourceType}:${id}`,
    }));
  }
}

export class StaticMetrics implements MetricsSource {
  constructor(
    public figures: Metrics = { availabilityPercent: 100, latencyMs: { p50: 20, p95: 50, p99: 80 }, requests: 100 },
  ) {}
  async measure(): Promise<Metrics> {
    return structuredClone(this.figures);
  }
  /** The same figures in every period of the window. */
  async timeSeries(_template: Template, window: { from: Date; to: Date }, periodSeconds: number) {
    const periods = [];
    for (let start = window.from.getTime(); start < window.to.getTime(); start += periodSeconds * 1000)
      periods.push({ start, ...structuredClone(this.figures) });
    return { periodSeconds, series: seriesOf(periods, periodSeconds) };
  }
}

export class StaticAlarms implements AlarmSource {
  constructor(
    public readonly known: Set<string> = new Set(),
    public readonly firing: Set<string> = new Set(),
  ) {}
  async inAlarm(names: readonly string[]) {
    return { inAlarm: names.filter((n) => this.firing.has(n)), missing: names.filter((n) => !this.known.has(n)) };
  }
}

export class StaticHealth implements HealthCheck {
  constructor(public steadyNow = true) {}
  async steady() {
    return { steady: this.steadyNow, detail: this.steadyNow ? 'steady' : 'not steady' };
  }
}
