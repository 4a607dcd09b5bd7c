import { statfs } from 'node:fs/promises';
import os from 'node:os';
import * as z from 'zod';
import { ConfigurationError, InjectionError, RevertError, UnknownFaultTypeError } from '../../shared/errors';
import type { FaultRecord, ResolvedTarget } from '../../shared/domain/execution';
import {
  FAULT_TYPES,
  faultParameterSchemas,
  HOST_FAULT_TYPES,
  type FaultType,
  type StandardFaultType,
} from '../../shared/domain/faults';
import type { Clock, FaultProvider, FaultProviders, InjectOutcome, InjectRequest } from '../../shared/ports';
import { DEPENDENCY_NAME, type DemoFleet } from '../fleet';
import { describeProblems } from '../../shared/problems';

/** What the local provider needs of the fleet. */
type FaultableFleet = Pick<
  DemoFleet,
  | 'applyFault'
  | 'removeFault'
  | 'terminate'
  | 'holdDependencyDown'
  | 'releaseDependency'
  | 'replica'
  | 'dependency'
  | 'tempDir'
>;

const limitsSchema = z
  .object({
    /** Largest memory-stress allowed on this machine. */
    maxMemoryMb: z.number().int().min(1).default(1_024),
    /** Largest disk-stress allowed on this machine. */
    maxDiskMb: z.number().int().min(1).default(1_024),
    /** A disk-stress must leave at least this much free on the fleet's file system. */
    minFreeDiskMb: z.number().int().min(0).default(1_024),
    /** Most cpu-stress workers allowed (default: the machine's cores). */
    maxCpuWorkers: z.number().int().min(1).default(Math.max(1, os.availableParallelism())),
  })
  .strict();

type LocalFaultLimits = z.output<typeof limitsSchema>;

interface LocalFaultProviderOptions {
  fleet: FaultableFleet;
  /** Bounds that keep a fault from harming the machine the fleet runs on. */
  limits?: Partial<LocalFaultLimits>;
  clock?: Clock;
}

/**
 * How a local fault was applied, kept in its handle:
 * - `in-process`: inside the member process `pid`, which ends it at its deadline;
 * - `terminated`: the process was killed; the supervisor's restart is the recovery;
 * - `held-down`: the dependency is stopped until the deadline, kept by the fleet.
 */
type LocalFaultMode = 'in-process' | 'terminated' | 'held-down';

/** Host faults are applied inside a member process (the others act on the process itself). */
const IN_PROCESS: readonly StandardFaultType[] = HOST_FAULT_TYPES;

const systemClock: Clock = { now: () => new Date() };

/** A fault's id inside a member: one per (execution, action), so a retried inject is not doubled. */
const localFaultId = (executionId: string, action: string): string => `${executionId}:${action}`;

/**
 * The nine REL08-BP03 fault types against the local demo fleet (provider `local`). Every fault
 * ends by itself at `expiresAt`: in-process faults are timed inside the member process, a held-down
 * dependency by the fleet. Revert is idempotent, and reports a fault that may still be active as a
 * RevertError.
 */
export class LocalFaultProvider implements FaultProvider {
  readonly provider = 'local' as const;
  readonly faultTypes: readonly FaultType[] = FAULT_TYPES;
  private readonly fleet: FaultableFleet;
  private readonly limits: LocalFaultLimits;
  private readonly clock: Clock;

  constructor(options: LocalFaultProviderOptions) {
    const limits = limitsSchema.safeParse(options.limits ?? {});
    if (!limits.success) {
      throw new ConfigurationError(`invalid local fault limits: ${describeProblems(limits.error)}`);
    }
    this.limits = limits.data;
    this.fleet = options.fleet;
    this.clock = options.clock ?? systemClock;
  }

  async inject(request: InjectRequest): Promise<InjectOutcome> {
    const { faultType, target } = request;
    if (!(FAULT_TYPES as readonly string[]).includes(faultType)) throw new UnknownFaultTypeError(faultType, 'local');
    const type = faultType as StandardFaultType;
    const parsed = faultParameterSchemas[type].safeParse(request.parameters);
    if (!parsed.success) {
      throw new InjectionError(`${type} on ${target.key}: invalid parameters: ${describeProblems(parsed.error)}`);
    }
    const parameters = parsed.data as Record<string, unknown>;
    if (request.expiresAt.getTime() <= this.clock.now().getTime()) {
      throw new InjectionError(
        `${type} on ${target.key}: expiresAt ${request.expiresAt.toISOString()} is already past`,
      );
    }
    const member = this.memberOf(target, type);
    try {
      if (type === 'instance-termination') {
        const { pid } = await this.fleet.terminate(member);
        return { handle: { mode: 'terminated', member, pid: String(pid), action: String(parameters.action) } };
      }
      if (type === 'database-failure') {
        if (parameters.mode !== 'stop') {
          // Locally a failover or a reboot is a crash the supervisor recovers from after its delay.
          const { pid } = await this.fleet.terminate(member);
          return { handle: { mode: 'terminated', member, pid: String(pid), databaseMode: String(parameters.mode) } };
        }
        const { pid } = await this.fleet.holdDependencyDown(request.expiresAt);
        return { handle: { mode: 'held-down', member, ...(pid === undefined ? {} : { pid: String(pid) }) } };
      }
      await this.checkLimits(type, parameters);
      const faultId = localFaultId(request.executionId, request.action);
      const { pid } = await this.fleet.applyFault(member, {
        id: faultId,
        type,
        parameters,
        expiresAt: request.expiresAt,
      });
      return { handle: { mode: 'in-process', member, pid: String(pid), faultId } };
    } catch (error) {
      if (error instanceof InjectionError) throw error;
      throw new InjectionError(`${type} on ${target.key} failed: ${(error as Error).message}`, { cause: error });
    }
  }

  async revert(fault: FaultRecord): Promise<void> {
    const type = fault.faultType as StandardFaultType;
    const handle = fault.handle ?? {};
    try {
      const mode = handle.mode as LocalFaultMode | undefined;
      if (mode === 'terminated' || (mode === undefined && type === 'instance-termination')) return;
      const member = handle.member ?? this.memberOf(fault.target, type);
      if (mode === 'held-down' || (mode === undefined && type === 'database-failure')) {
        await this.fleet.releaseDependency();
        return;
      }
      if (!IN_PROCESS.includes(type)) throw new UnknownFaultTypeError(fault.faultType, 'local');
      const faultId = handle.faultId ?? localFaultId(fault.executionId, fault.action);
      // Without a handle the inject may still have landed in whichever process runs now.
      const current = member === DEPENDENCY_NAME ? this.fleet.dependency() : this.fleet.replica(member);
      const pid = handle.pid !== undefined ? Number(handle.pid) : current?.pid;
      if (pid === undefined) return;
      await this.fleet.removeFault(member, faultId, pid);
    } catch (error) {
      if (error instanceof UnknownFaultTypeError) throw error;
      throw new RevertError(`revert of ${fault.faultType} on ${fault.target.key} failed: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }

  /** The fleet member a target names; the fault must make sense for its kind. */
  private memberOf(target: ResolvedTarget, type: StandardFaultType): string {
    if (target.provider !== 'local') throw new InjectionError(`${target.key} is not a local target`);
    if (target.resourceType === 'local:dependency') {
      if (target.id !== DEPENDENCY_NAME) throw new InjectionError(`no local dependency named ${target.id}`);
      return DEPENDENCY_NAME;
    }
    if (target.resourceType === 'local:replica') {
      if (type === 'database-failure')
        throw new InjectionError(`database-failure targets local:dependency, not the replica ${target.id}`);
      if (!this.fleet.replica(target.id)) throw new InjectionError(`no local replica named ${target.id}`);
      return target.id;
    }
    throw new InjectionError(`unknown local resource type ${target.resourceType} (${target.key})`);
  }

  private async checkLimits(type: StandardFaultType, parameters: Record<string, unknown>): Promise<void> {
    const { maxMemoryMb, maxDiskMb, minFreeDiskMb, maxCpuWorkers } = this.limits;
    if (type === 'memory-stress' && Number(parameters.megabytes) > maxMemoryMb) {
      throw new InjectionError(
        `memory-stress of ${parameters.megabytes} MB is over the local limit of ${maxMemoryMb} MB`,
      );
    }
    if (type === 'cpu-stress' && Number(parameters.workers) > maxCpuWorkers) {
      throw new InjectionError(
        `cpu-stress with ${parameters.workers} workers is over the local limit of ${maxCpuWorkers}`,
      );
    }
    if (type === 'disk-stress') {
      const megabytes = Number(parameters.megabytes);
      if (megabytes > maxDiskMb)
        throw new InjectionError(`disk-stress of ${megabytes} MB is over the local limit of ${maxDiskMb} MB`);
      const fs = await statfs(this.fleet.tempDir);
      const freeMb = (fs.bavail * fs.bsize) / (1024 * 1024);
      if (freeMb - megabytes < minFreeDiskMb) {
        throw new InjectionError(
          `disk-stress of ${megabytes} MB would leave ${Math.round(freeMb - megabytes)} MB free (minimum ${minFreeDiskMb} MB)`,
        );
      }
    }
  }
}

/** The fault providers of the embedded runtime: local only. */
export class LocalFaultProviders implements FaultProviders {
  readonly local: LocalFaultProvider;

  constructor(options: LocalFaultProviderOptions) {
    this.local = new LocalFaultProvider(options);
  }

  forFault(provider: 'aws' | 'local', faultType: FaultType): FaultProvider {
    if (provider !== 'local' || !this.local.faultTypes.includes(faultType))
      throw new UnknownFaultTypeError(faultType, provider);
    return this.local;
  }
}
