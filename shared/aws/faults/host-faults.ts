import { DescribeInstancesCommand, type EC2Client } from '@aws-sdk/client-ec2';
import {
  CancelCommandCommand,
  ListCommandInvocationsCommand,
  SendCommandCommand,
  type SSMClient,
} from '@aws-sdk/client-ssm';
import type { FaultRecord, ResolvedTarget } from '../../domain/execution';
import { ConfigurationError, InjectionError, RevertError, UnexpectedResponseError } from '../../errors';
import type { Clock, FaultProvider, InjectOutcome, InjectRequest } from '../../ports';
import { describeError, isAwsError } from '../aws-error';
import { pollUntil, resolvePoll, type PollOptions, type ResolvedPollOptions } from '../../poll';
import { AWS_RESOURCE_TYPES } from '../target-resolver';
import { requireResourceType } from './fault-support';
import {
  HOST_FAULT_TYPES,
  HostFaultParameterError,
  hostFaultParameters,
  type HostFaultType,
} from './host-fault-documents';

/** What one instance's invocation of a command came to. */
interface InvocationOutcome {
  instanceId: string;
  /** `Failed`, `TimedOut (Execution Timed Out)`, `not reported`, ... */
  status: string;
  /** The document's output (first 2500 characters, as SSM keeps it in the API). */
  output?: string;
}

/** The fault did not take effect on every instance: it is not counted, and what was sent was cleaned up. */
export class HostInjectionError extends InjectionError {
  constructor(
    message: string,
    readonly failures: readonly InvocationOutcome[],
    readonly cleanupFailures: readonly InvocationOutcome[],
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The cleanup did not succeed on every instance: the fault may still be active there. */
export class HostRevertError extends RevertError {
  constructor(
    message: string,
    readonly failures: readonly InvocationOutcome[],
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** How an invocation stands. */
type InvocationState = 'running' | 'success' | 'failed';

const STILL_RUNNING = new Set(['Pending', 'InProgress', 'Delayed']);
/** StatusDetails that are final whatever Status says. */
const FINAL_DETAILS = new Set([
  'Undeliverable',
  'Terminated',
  'Delivery Timed Out',
  'Execution Timed Out',
  'Access Denied',
  'Invalid Platform',
  'Failed',
  'Cancelled',
]);

export const invocationState = (status: string | undefined, details: string | undefined): InvocationState => {
  if (status === 'Success') return 'success';
  if (status !== undefined && STILL_RUNNING.has(status) && !(details && FINAL_DETAILS.has(details))) return 'running';
  // An invocation not listed yet is still on its way: SSM lists invocations a moment after SendCommand.
  if (status === undefined) return 'running';
  return 'failed';
};

interface Invocation {
  state: InvocationState;
  status: string;
  output?: string;
}

interface HostFaultProviderOptions {
  ssm: SSMClient;
  /** To tell an instance that is gone (nothing left to clean up) from one SSM cannot reach. */
  ec2: EC2Client;
  /** Document of a fault: `<documentPrefix><fault type>`. */
  documentPrefix: string;
  clock?: Clock;
  /** Checks of an invocation's status; defaults to 30 checks, 2 s apart. */
  poll?: PollOptions;
  /** How long SSM tries to deliver a command to an agent (SendCommand TimeoutSeconds, at least 30). */
  deliveryTimeoutSeconds?: number;
}

/** One host fault on several instances at once (one command). */
interface HostInjectRequest {
  faultType: HostFaultType;
  instanceIds: readonly string[];
  parameters: Record<string, unknown>;
  expiresAt: Date;
  /** For the command's comment: who sent it and why. */
  executionId: string;
  action: string;
}

const GONE_STATES = new Set(['shutting-down', 'terminated']);

/**
 * Host faults (CPU, memory, disk, network latency and partition, stopped service, dependency
 * timeout) through SSM Run Command and the stack's own documents.
 *
 * A fault counts as injected only when the document succeeded on every instance: the documents
 * apply the fault, check it is in place and arm its end on the host, then exit 0. An invocation
 * that is merely InProgress has not shown that yet. If any instance fails, the command is
 * cancelled and the document's cleanup runs on every instance it was sent to.
 */
export class HostFaultProvider implements FaultProvider {
  readonly provider = 'aws' as const;
  readonly faultTypes = HOST_FAULT_TYPES;
  private readonly clock: Clock;
  private readonly poll: ResolvedPollOptions;
  private readonly deliveryTimeoutSeconds: number;

  constructor(private readonly options: HostFaultProviderOptions) {
    this.clock = options.clock ?? { now: () => new Date() };
    this.poll = resolvePoll(options.poll, { attempts: 30, intervalMs: 2000 });
    this.deliveryTimeoutSeconds = Math.max(30, options.deliveryTimeoutSeconds ?? 60);
    if (!options.documentPrefix) throw new ConfigurationError('HostFaultProvider needs a documentPrefix');
  }

  documentName(faultType: HostFaultType): string {
    return `${this.options.documentPrefix}${faultType}`;
  }

  async inject(request: InjectRequest): Promise<InjectOutcome> {
    const faultType = this.hostFaultType(request.faultType);
    requireResourceType(faultType, request.target, [AWS_RESOURCE_TYPES.instance]);
    const { commandId, documentName } = await this.injectOnHosts({
      faultType,
      instanceIds: [request.target.id],
      parameters: request.parameters,
      expiresAt: request.expiresAt,
      executionId: request.executionId,
      action: request.action,
    });
    return { handle: { commandId, documentName, instanceId: request.target.id } };
  }

  /** Injects one fault on several instances with one command: every instance takes it, or none counts. */
  async injectOnHosts(request: HostInjectRequest): Promise<{ commandId: string; documentName: string }> {
    const { faultType, instanceIds } = request;
    const documentName = this.documentName(faultType);
    const seconds = Math.ceil((request.expiresAt.getTime() - this.clock.now().getTime()) / 1000);
    if (seconds < 1) {
      throw new InjectionError(`${faultType} not injected: its expiry ${request.expiresAt.toISOString()} has passed`);
    }
    let parameters: Record<string, string[]>;
    let cleanupParameters: Record<string, string[]>;
    try {
      parameters = hostFaultParameters(faultType, request.parameters, seconds, 'inject');
      cleanupParameters = hostFaultParameters(faultType, request.parameters, seconds, 'cleanup');
    } catch (error) {
      throw new InjectionError(`${faultType} not injected: ${(error as Error).message}`, { cause: error });
    }

    let commandId: string;
    try {
      commandId = await this.send(
        documentName,
        instanceIds,
        parameters,
        `faultline ${request.executionId} ${request.action}`,
      );
    } catch (error) {
      // Nothing reached any instance: there is nothing to clean up.
      throw new InjectionError(
        `${faultType} not injected: SendCommand ${documentName} to ${instanceIds.join(', ')} failed`,
        {
          cause: error,
        },
      );
    }

    let outcome: { failed: InvocationOutcome[]; running: InvocationOutcome[] };
    let unreadable: unknown;
    try {
      outcome = await this.await(commandId, instanceIds);
    } catch (error) {
      // Sent, but its outcome cannot be read: not counted, and undone like a failure.
      unreadable = error;
      outcome = {
        failed: instanceIds.map((instanceId) => ({ instanceId, status: `unknown (${describeError(error)})` })),
        running: [],
      };
    }
    if (outcome.failed.length === 0 && outcome.running.length === 0) return { commandId, documentName };

    // Not counted: stop what may still be starting, then undo on every instance it was sent to.
    await this.cancel(commandId, instanceIds);
    const cleanupFailures = await this.cleanup(
      documentName,
      instanceIds,
      cleanupParameters,
      `faultline ${request.executionId} ${request.action} abandon`,
    );
    const failures = [
      ...outcome.failed,
      ...outcome.running.map((r) => ({ ...r, status: `${r.status} after ${this.poll.attempts} checks` })),
    ];
    throw new HostInjectionError(
      `${faultType} did not take effect on ${describeOutcomes(failures)}; command ${commandId} cancelled, ` +
        (cleanupFailures.length === 0
          ? `cleanup done on ${instanceIds.join(', ')}`
          : `cleanup FAILED on ${describeOutcomes(cleanupFailures)}: the fault may be active until its expiry`),
      failures,
      cleanupFailures,
      unreadable === undefined ? undefined : { cause: unreadable },
    );
  }

  async revert(fault: FaultRecord): Promise<void> {
    const faultType = this.hostFaultType(fault.faultType, RevertError);
    const instanceId = this.instanceOf(fault.target);
    const documentName = fault.handle?.documentName ?? this.documentName(faultType);
    let parameters: Record<string, string[]>;
    try {
      // DurationSeconds means nothing to a cleanup; it only has to be valid.
      parameters = hostFaultParameters(faultType, fault.parameters, 1, 'cleanup');
    } catch (error) {
      // Parameters that cannot make a command never made the inject command either.
      if (error instanceof HostFaultParameterError) return;
      throw error;
    }
    if (fault.handle?.commandId) await this.cancel(fault.handle.commandId, [instanceId]);
    const failures = await this.cleanup(
      documentName,
      [instanceId],
      parameters,
      `faultline ${fault.executionId} ${fault.action} revert`,
    );
    if (failures.length > 0) {
      throw new HostRevertError(`${faultType} cleanup failed on ${describeOutcomes(failures)}`, failures);
    }
  }

  private hostFaultType(
    faultType: string,
    error: typeof InjectionError | typeof RevertError = InjectionError,
  ): HostFaultType {
    if (!(HOST_FAULT_TYPES as readonly string[]).includes(faultType)) {
      throw new error(`the host fault provider does not run ${faultType}`);
    }
    return faultType as HostFaultType;
  }

  private instanceOf(target: ResolvedTarget): string {
    if (target.resourceType !== AWS_RESOURCE_TYPES.instance) {
      throw new RevertError(`host faults act on EC2 instances, not ${target.key}`);
    }
    return target.id;
  }

  private async send(
    documentName: string,
    instanceIds: readonly string[],
    parameters: Record<string, string[]>,
    comment: string,
  ): Promise<string> {
    const response = await this.options.ssm.send(
      new SendCommandCommand({
        DocumentName: documentName,
        InstanceIds: [...instanceIds],
        Parameters: parameters,
        Comment: comment.slice(0, 100),
        TimeoutSeconds: this.deliveryTimeoutSeconds,
      }),
    );
    const commandId = response.Command?.CommandId;
    if (!commandId) throw new UnexpectedResponseError('SendCommand returned no command id');
    return commandId;
  }

  /** Polls the command's invocations until all succeeded, one failed, or the checks run out. */
  private async await(
    commandId: string,
    instanceIds: readonly string[],
  ): Promise<{ failed: InvocationOutcome[]; running: InvocationOutcome[] }> {
    const { value } = await pollUntil(
      this.poll,
      () => this.invocations(commandId),
      (byInstance) =>
        instanceIds.every((id) => byInstance.get(id)?.state === 'success') ||
        instanceIds.some((id) => byInstance.get(id)?.state === 'failed'),
    );
    const outcome = (id: string): InvocationOutcome => {
      const inv = value.get(id);
      return { instanceId: id, status: inv?.status ?? 'not reported', ...(inv?.output ? { output: inv.output } : {}) };
    };
    return {
      failed: instanceIds.filter((id) => value.get(id)?.state === 'failed').map(outcome),
      running: instanceIds.filter((id) => (value.get(id)?.state ?? 'running') === 'running').map(outcome),
    };
  }

  private async invocations(commandId: string): Promise<Map<string, Invocation>> {
    const byInstance = new Map<string, Invocation>();
    let nextToken: string | undefined;
    do {
      const page = await this.options.ssm.send(
        new ListCommandInvocationsCommand({
          CommandId: commandId,
          Details: true,
          ...(nextToken ? { NextToken: nextToken } : {}),
        }),
      );
      for (const inv of page.CommandInvocations ?? []) {
        if (!inv.InstanceId) continue;
        const output = (inv.CommandPlugins ?? [])
          .map((p) => p.Output?.trim())
          .filter(Boolean)
          .join('\n');
        byInstance.set(inv.InstanceId, {
          state: invocationState(inv.Status, inv.StatusDetails),
          status:
            inv.StatusDetails && inv.StatusDetails !== inv.Status
              ? `${inv.Status} (${inv.StatusDetails})`
              : String(inv.Status),
          ...(output ? { output } : {}),
        });
      }
      nextToken = page.NextToken;
    } while (nextToken);
    return byInstance;
  }

  /**
   * Asks SSM to stop the command. Best effort: cancelling a command that has ended, or one SSM no
   * longer knows, is no failure, and the cleanup that follows is what undoes the fault.
   */
  private async cancel(commandId: string, instanceIds: readonly string[]): Promise<void> {
    try {
      await this.options.ssm.send(new CancelCommandCommand({ CommandId: commandId, InstanceIds: [...instanceIds] }));
    } catch {
      // see above
    }
  }

  /** Runs the document's cleanup and waits for it; returns the instances where it did not succeed. */
  private async cleanup(
    documentName: string,
    instanceIds: readonly string[],
    parameters: Record<string, string[]>,
    comment: string,
  ): Promise<InvocationOutcome[]> {
    let reachable = [...instanceIds];
    let commandId: string | undefined;
    // Once more at most: after removing the instances that are gone.
    for (let round = 0; round < 2 && reachable.length > 0 && !commandId; round += 1) {
      try {
        commandId = await this.send(documentName, reachable, { ...parameters, Action: ['cleanup'] }, comment);
      } catch (error) {
        if (!isAwsError(error, 'InvalidInstanceId')) {
          return reachable.map((instanceId) => ({ instanceId, status: `SendCommand failed: ${describeError(error)}` }));
        }
        // SSM cannot reach an instance: if it is terminated, the fault went with it.
        const gone = await this.goneInstances(reachable);
        const remaining = reachable.filter((id) => !gone.has(id));
        if (remaining.length === reachable.length) {
          return reachable.map((instanceId) => ({
            instanceId,
            status: `not reachable by SSM: ${describeError(error)}`,
          }));
        }
        reachable = remaining;
      }
    }
    if (!commandId) return [];
    try {
      const outcome = await this.await(commandId, reachable);
      return [
        ...outcome.failed,
        ...outcome.running.map((r) => ({ ...r, status: `${r.status} after ${this.poll.attempts} checks` })),
      ];
    } catch (error) {
      return reachable.map((instanceId) => ({
        instanceId,
        status: `cleanup outcome unknown (${describeError(error)})`,
      }));
    }
  }

  /** Instances terminated (or terminated so long ago that EC2 no longer lists them). */
  private async goneInstances(instanceIds: readonly string[]): Promise<Set<string>> {
    const states = new Map<string, string>();
    try {
      let nextToken: string | undefined;
      do {
        const page = await this.options.ec2.send(
          new DescribeInstancesCommand({
            Filters: [{ Name: 'instance-id', Values: [...instanceIds] }],
            ...(nextToken ? { NextToken: nextToken } : {}),
          }),
        );
        for (const r of page.Reservations ?? []) {
          for (const i of r.Instances ?? []) if (i.InstanceId) states.set(i.InstanceId, i.State?.Name ?? 'unknown');
        }
        nextToken = page.NextToken;
      } while (nextToken);
    } catch {
      // Unknown is not gone: the cleanup is then reported as failed.
      return new Set();
    }
    return new Set(instanceIds.filter((id) => !states.has(id) || GONE_STATES.has(states.get(id)!)));
  }
}

const describeOutcomes = (outcomes: readonly InvocationOutcome[]): string =>
  outcomes.map((o) => `${o.instanceId} ${o.status}${o.output ? ` (${o.output.slice(0, 200)})` : ''}`).join(', ');
