import {
  DescribeInstancesCommand,
  RebootInstancesCommand,
  StartInstancesCommand,
  StopInstancesCommand,
  TerminateInstancesCommand,
  type EC2Client,
} from '@aws-sdk/client-ec2';
import type { FaultRecord } from '../../domain/execution';
import { InjectionError, RevertError } from '../../errors';
import type { FaultProvider, InjectOutcome, InjectRequest } from '../../ports';
import { isAwsError } from '../aws-error';
import { pollUntil, resolvePoll, type PollOptions, type ResolvedPollOptions } from '../../poll';
import { AWS_RESOURCE_TYPES } from '../target-resolver';
import { parseParameters, requireResourceType } from './fault-support';

interface InstanceTerminationOptions {
  ec2: EC2Client;
  /** Checks of the instance state; defaults to 20 checks, 3 s apart. */
  poll?: PollOptions;
}

type InstanceAction = 'terminate' | 'stop' | 'reboot';

/**
 * States that show the action took effect. A reboot leaves no trace in the instance state (it
 * stays `running`), so for a reboot the check is only that EC2 accepted it and the instance runs.
 */
const EFFECT: Record<InstanceAction, readonly string[]> = {
  terminate: ['shutting-down', 'terminated'],
  stop: ['stopping', 'stopped'],
  reboot: ['pending', 'running'],
};

const NOT_FOUND = 'not-found';

/**
 * instance-termination: terminate (default), stop or reboot an EC2 instance. Undoing a
 * termination is the Auto Scaling group's job, and the health check verifies it did; a stopped
 * instance is started again.
 */
export class InstanceTerminationProvider implements FaultProvider {
  readonly provider = 'aws' as const;
  readonly faultTypes = ['instance-termination'] as const;
  private readonly poll: ResolvedPollOptions;

  constructor(private readonly options: InstanceTerminationOptions) {
    this.poll = resolvePoll(options.poll, { attempts: 20, intervalMs: 3000 });
  }

  async inject(request: InjectRequest): Promise<InjectOutcome> {
    requireResourceType('instance-termination', request.target, [AWS_RESOURCE_TYPES.instance]);
    const { action } = parseParameters('instance-termination', request.parameters);
    const instanceId = request.target.id;
    const input = { InstanceIds: [instanceId] };
    try {
      if (action === 'terminate') await this.options.ec2.send(new TerminateInstancesCommand(input));
      else if (action === 'stop') await this.options.ec2.send(new StopInstancesCommand(input));
      else await this.options.ec2.send(new RebootInstancesCommand(input));
    } catch (error) {
      throw new InjectionError(`instance-termination: ${action} of ${instanceId} refused by EC2`, { cause: error });
    }
    let checked;
    try {
      checked = await pollUntil(
        this.poll,
        () => this.state(instanceId),
        (s) => EFFECT[action].includes(s),
      );
    } catch (error) {
      throw new InjectionError(`instance-termination: state of ${instanceId} unreadable after ${action}`, {
        cause: error,
      });
    }
    const { value: state, done } = checked;
    if (!done) {
      throw new InjectionError(
        `instance-termination: ${instanceId} is ${state} after ${action}, expected ${EFFECT[action].join(' or ')}`,
      );
    }
    return { handle: { instanceId, action } };
  }

  async revert(fault: FaultRecord): Promise<void> {
    const action = (fault.handle?.action as InstanceAction | undefined) ?? this.actionOf(fault);
    // terminate: Auto Scaling replaces the instance; reboot: the instance comes back by itself.
    if (action !== 'stop') return;
    const instanceId = fault.target.id;
    try {
      let state = await this.state(instanceId);
      if (state === NOT_FOUND || state === 'shutting-down' || state === 'terminated') return;
      if (state === 'pending' || state === 'running') return;
      if (state === 'stopping') {
        // StartInstances refuses an instance that is still stopping.
        state = (
          await pollUntil(
            this.poll,
            () => this.state(instanceId),
            (s) => s === 'stopped',
          )
        ).value;
        if (state !== 'stopped') throw new RevertError(`${instanceId} still ${state}: cannot start it yet`);
      }
      await this.options.ec2.send(new StartInstancesCommand({ InstanceIds: [instanceId] }));
      const started = await pollUntil(
        this.poll,
        () => this.state(instanceId),
        (s) => s === 'pending' || s === 'running',
      );
      if (!started.done) throw new RevertError(`${instanceId} is ${started.value} after StartInstances`);
    } catch (error) {
      if (error instanceof RevertError) throw error;
      throw new RevertError(`instance-termination: could not start ${instanceId} again`, { cause: error });
    }
  }

  private actionOf(fault: FaultRecord): InstanceAction {
    try {
      return parseParameters('instance-termination', fault.parameters).action;
    } catch (error) {
      throw new RevertError(`instance-termination: unreadable parameters of ${fault.target.key}`, { cause: error });
    }
  }

  private async state(instanceId: string): Promise<string> {
    try {
      const response = await this.options.ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
      return response.Reservations?.[0]?.Instances?.[0]?.State?.Name ?? NOT_FOUND;
    } catch (error) {
      if (isAwsError(error, 'InvalidInstanceID.NotFound')) return NOT_FOUND;
      throw error;
    }
  }
}
