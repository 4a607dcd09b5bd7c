import {
  DescribeAutoScalingGroupsCommand,
  type AutoScalingClient,
  type AutoScalingGroup,
} from '@aws-sdk/client-auto-scaling';
import { DescribeInstancesCommand, type EC2Client } from '@aws-sdk/client-ec2';
import {
  DescribeTargetHealthCommand,
  type ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { DescribeDBClustersCommand, DescribeDBInstancesCommand, type RDSClient } from '@aws-sdk/client-rds';
import type { ResolvedTarget } from '../domain/execution';
import type { Template } from '../domain/template';
import { FaultlineError } from '../errors';
import type { HealthCheck } from '../ports';
import { chunks, isAwsError } from './aws-error';
import { ASG_NAME_TAG, AWS_RESOURCE_TYPES } from './target-resolver';

/** The health of the targets' system could not be read. */
class HealthCheckError extends FaultlineError {}

interface AwsHealthCheckOptions {
  autoScaling: AutoScalingClient;
  elbv2: ElasticLoadBalancingV2Client;
  ec2: EC2Client;
  rds: RDSClient;
}

/** DescribeAutoScalingGroups takes 50 names by default (100 with MaxRecords 100). */
const GROUPS_PER_CALL = 50;

/**
 * Steady state of AWS targets:
 * - instances in an Auto Scaling group: every group has at least its desired capacity of
 *   InService, Healthy instances, and each of those is `healthy` in every target group of the
 *   group (a replacement counts only once the load balancer sends it traffic);
 * - instances in no group: running again (nothing replaces them);
 * - RDS clusters and instances: `available`, for a cluster every member too.
 * FIS experiment templates give no resource to check; a template whose only targets are FIS
 * templates is never declared steady (unknown means stop).
 */
export class AwsHealthCheck implements HealthCheck {
  constructor(private readonly options: AwsHealthCheckOptions) {}

  async steady(_template: Template, targets: readonly ResolvedTarget[]): Promise<{ steady: boolean; detail?: string }> {
    const problems: string[] = [];
    let checked = 0;
    try {
      const instances = targets.filter((t) => t.resourceType === AWS_RESOURCE_TYPES.instance);
      const groups = [
        ...new Set(instances.flatMap((t) => (t.attributes?.[ASG_NAME_TAG] ? [t.attributes[ASG_NAME_TAG]] : []))),
      ];
      const ungrouped = instances.filter((t) => !t.attributes?.[ASG_NAME_TAG]).map((t) => t.id);
      if (groups.length > 0) {
        problems.push(...(await this.groupProblems(groups)));
        checked += groups.length;
      }
      if (ungrouped.length > 0) {
        problems.push(...(await this.instanceProblems(ungrouped)));
        checked += ungrouped.length;
      }
      for (const t of targets) {
        if (t.resourceType === AWS_RESOURCE_TYPES.cluster) {
          problems.push(...(await this.clusterProblems(t.id)));
          checked += 1;
        } else if (t.resourceType === AWS_RESOURCE_TYPES.db) {
          problems.push(...(await this.dbProblems(t.id)));
          checked += 1;
        }
      }
    } catch (error) {
      throw new HealthCheckError('could not read the health of the targets', { cause: error });
    }
    if (checked === 0) {
      return {
        steady: false,
        detail: 'no target gives a health signal (FIS experiment templates have none): add an EC2 or RDS target',
      };
    }
    return problems.length === 0
      ? { steady: true, detail: `${checked} checked, all steady` }
      : { steady: false, detail: problems.join('; ') };
  }

  private async groupProblems(names: string[]): Promise<string[]> {
    const found: AutoScalingGroup[] = [];
    for (const batch of chunks(names, GROUPS_PER_CALL)) {
      let nextToken: string | undefined;
      do {
        const page = await this.options.autoScaling.send(
          new DescribeAutoScalingGroupsCommand({
            AutoScalingGroupNames: batch,
            ...(nextToken ? { NextToken: nextToken } : {}),
          }),
        );
        found.push(...(page.AutoScalingGroups ?? []));
        nextToken = page.NextToken;
      } while (nextToken);
    }
    const problems: string[] = [];
    for (const name of names) {
      const group = found.find((g) => g.AutoScalingGroupName === name);
      if (!group) {
        problems.push(`Auto Scaling group ${name} not found`);
        continue;
      }
      const healthy = (group.Instances ?? [])
        .filter((i) => i.LifecycleState === 'InService' && i.HealthStatus === 'Healthy' && i.InstanceId)
        .map((i) => i.InstanceId!);
      const desired = group.DesiredCapacity ?? 0;
      if (healthy.length < desired) {
        problems.push(`${name}: ${healthy.length}/${desired} instances InService and Healthy`);
      }
      for (const arn of group.TargetGroupARNs ?? []) {
        problems.push(...(await this.targetGroupProblems(name, arn, healthy)));
      }
    }
    return problems;
  }

  private async targetGroupProblems(group: string, targetGroupArn: string, instanceIds: string[]): Promise<string[]> {
    let response;
    try {
      response = await this.options.elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: targetGroupArn }));
    } catch (error) {
      if (isAwsError(error, 'TargetGroupNotFoundException'))
        return [`${group}: target group ${targetGroupArn} not found`];
      throw error;
    }
    const states = new Map(
      (response.TargetHealthDescriptions ?? []).map((d) => [d.Target?.Id ?? '', d.TargetHealth?.State ?? 'unknown']),
    );
    // Targets of instances that left the group (draining) are not the group's steady state.
    const unhealthy = instanceIds.filter((id) => states.get(id) !== 'healthy');
    return unhealthy.length === 0
      ? []
      : [
          `${group}: ${unhealthy.map((id) => `${id} ${states.get(id) ?? 'not registered'}`).join(', ')} in ${shortTargetGroup(targetGroupArn)}`,
        ];
  }

  private async instanceProblems(ids: string[]): Promise<string[]> {
    const states = new Map<string, string>();
    // A filter rather than InstanceIds: an id EC2 no longer knows is left out, not an error for all.
    let nextToken: string | undefined;
    do {
      const page = await this.options.ec2.send(
        new DescribeInstancesCommand({
          Filters: [{ Name: 'instance-id', Values: ids }],
          ...(nextToken ? { NextToken: nextToken } : {}),
        }),
      );
      for (const r of page.Reservations ?? []) {
        for (const i of r.Instances ?? []) if (i.InstanceId) states.set(i.InstanceId, i.State?.Name ?? 'unknown');
      }
      nextToken = page.NextToken;
    } while (nextToken);
    return ids
      .filter((id) => states.get(id) !== 'running')
      .map((id) => `${id} ${states.get(id) ?? 'not found'}, in no Auto Scaling group`);
  }

  private async clusterProblems(id: string): Promise<string[]> {
    let clusters;
    try {
      clusters =
        (await this.options.rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: id }))).DBClusters ?? [];
    } catch (error) {
      if (isAwsError(error, 'DBClusterNotFoundFault')) return [`cluster ${id} not found`];
      throw error;
    }
    const status = clusters[0]?.Status;
    const problems = status === 'available' ? [] : [`cluster ${id} ${status ?? 'unknown'}`];
    // After a failover the cluster is available again before the old writer has come back.
    const members = await this.options.rds.send(
      new DescribeDBInstancesCommand({ Filters: [{ Name: 'db-cluster-id', Values: [id] }] }),
    );
    for (const m of members.DBInstances ?? []) {
      if (m.DBInstanceStatus !== 'available')
        problems.push(`cluster ${id} member ${m.DBInstanceIdentifier} ${m.DBInstanceStatus ?? 'unknown'}`);
    }
    return problems;
  }

  private async dbProblems(id: string): Promise<string[]> {
    try {
      const db = (await this.options.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id })))
        .DBInstances?.[0];
      return db?.DBInstanceStatus === 'available' ? [] : [`DB instance ${id} ${db?.DBInstanceStatus ?? 'unknown'}`];
    } catch (error) {
      if (isAwsError(error, 'DBInstanceNotFoundFault')) return [`DB instance ${id} not found`];
      throw error;
    }
  }
}

const shortTargetGroup = (arn: string): string => arn.split(':').pop() ?? arn;
