import {
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  FailoverDBClusterCommand,
  RebootDBInstanceCommand,
  type DBCluster,
  type RDSClient,
} from '@aws-sdk/client-rds';
import type { FaultRecord } from '../../domain/execution';
import { InjectionError } from '../../errors';
import type { FaultProvider, InjectOutcome, InjectRequest } from '../../ports';
import { pollUntil, resolvePoll, type PollOptions, type ResolvedPollOptions } from '../../poll';
import { AWS_RESOURCE_TYPES } from '../target-resolver';
import { parseParameters, requireResourceType } from './fault-support';

interface DatabaseFailureOptions {
  rds: RDSClient;
  /** Checks that the failure started; defaults to 10 checks, 3 s apart. */
  poll?: PollOptions;
}

const writerOf = (cluster: DBCluster | undefined): string | undefined =>
  cluster?.DBClusterMembers?.find((m) => m.IsClusterWriter)?.DBInstanceIdentifier;

/**
 * database-failure on RDS:
 * - aws:rds:cluster: FailoverDBCluster (mode `failover`, and `stop`, the schema's default, which
 *   on AWS means the failure RDS recovers from by itself); `reboot` reboots the writer instead;
 * - aws:rds:db: RebootDBInstance with ForceFailover (a Multi-AZ failover), or without for `reboot`.
 * Nothing is undone: RDS recovers by itself, and the health check verifies that it did.
 */
export class DatabaseFailureProvider implements FaultProvider {
  readonly provider = 'aws' as const;
  readonly faultTypes = ['database-failure'] as const;
  private readonly poll: ResolvedPollOptions;

  constructor(private readonly options: DatabaseFailureOptions) {
    this.poll = resolvePoll(options.poll, { attempts: 10, intervalMs: 3000 });
  }

  async inject(request: InjectRequest): Promise<InjectOutcome> {
    requireResourceType('database-failure', request.target, [AWS_RESOURCE_TYPES.cluster, AWS_RESOURCE_TYPES.db]);
    const { mode } = parseParameters('database-failure', request.parameters);
    const id = request.target.id;
    try {
      if (request.target.resourceType === AWS_RESOURCE_TYPES.db) {
        return await this.rebootInstance(id, mode !== 'reboot');
      }
      const cluster = await this.cluster(id);
      const writer = writerOf(cluster);
      if (mode === 'reboot') {
        if (!writer) throw new InjectionError(`database-failure: cluster ${id} has no writer instance to reboot`);
        return await this.rebootInstance(writer, false);
      }
      return await this.failover(id, writer);
    } catch (error) {
      if (error instanceof InjectionError) throw error;
      throw new InjectionError(`database-failure on ${request.target.key} refused by RDS`, { cause: error });
    }
  }

  async revert(_fault: FaultRecord): Promise<void> {
    // Nothing to undo: a failover or a reboot ends by itself.
  }

  private async failover(clusterId: string, writerBefore: string | undefined): Promise<InjectOutcome> {
    await this.options.rds.send(new FailoverDBClusterCommand({ DBClusterIdentifier: clusterId }));
    // A fast failover may already be over at the first check: a new writer shows it happened.
    const { value, done } = await pollUntil(
      this.poll,
      () => this.cluster(clusterId),
      (c) =>
        c?.Status === 'failing-over' ||
        (writerBefore !== undefined && writerOf(c) !== undefined && writerOf(c) !== writerBefore),
    );
    if (!done) {
      throw new InjectionError(
        `database-failure: cluster ${clusterId} is ${value?.Status ?? 'unknown'} after FailoverDBCluster, expected failing-over`,
      );
    }
    return {
      handle: {
        operation: 'FailoverDBCluster',
        dbClusterIdentifier: clusterId,
        ...(writerBefore ? { writerBefore } : {}),
      },
    };
  }

  private async rebootInstance(instanceId: string, forceFailover: boolean): Promise<InjectOutcome> {
    const response = await this.options.rds.send(
      new RebootDBInstanceCommand({ DBInstanceIdentifier: instanceId, ForceFailover: forceFailover }),
    );
    if (response.DBInstance?.DBInstanceStatus !== 'rebooting') {
      const { value, done } = await pollUntil(
        this.poll,
        async () =>
          (await this.options.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: instanceId })))
            .DBInstances?.[0]?.DBInstanceStatus,
        (status) => status === 'rebooting',
      );
      if (!done)
        throw new InjectionError(
          `database-failure: ${instanceId} is ${value ?? 'unknown'} after RebootDBInstance, expected rebooting`,
        );
    }
    return {
      handle: { operation: 'RebootDBInstance', dbInstanceIdentifier: instanceId, forceFailover: String(forceFailover) },
    };
  }

  private async cluster(id: string): Promise<DBCluster | undefined> {
    return (await this.options.rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: id }))).DBClusters?.[0];
  }
}
