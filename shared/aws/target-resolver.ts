import { DescribeInstancesCommand, type EC2Client, type Filter, type Instance } from '@aws-sdk/client-ec2';
import { GetExperimentTemplateCommand, ListExperimentTemplatesCommand, type FisClient } from '@aws-sdk/client-fis';
import { DescribeDBClustersCommand, DescribeDBInstancesCommand, type RDSClient } from '@aws-sdk/client-rds';
import type { ResolvedTarget } from '../domain/execution';
import type { TargetSpec } from '../domain/template';
import { FaultlineError } from '../errors';
import type { TargetResolver } from '../ports';
import { isAwsError } from './aws-error';
import { hasTags, matchesFilters, tagRecord, type ResourceFilter } from './resource-filters';

/** Tag that EC2 Auto Scaling puts on the instances of a group; kept as a target attribute. */
export const ASG_NAME_TAG = 'aws:autoscaling:groupName';

export const AWS_RESOURCE_TYPES = {
  instance: 'aws:ec2:instance',
  cluster: 'aws:rds:cluster',
  db: 'aws:rds:db',
  fisTemplate: 'aws:fis:experiment-template',
} as const;

/** A target could not be looked up (an AWS call failed, or the spec cannot be served). */
export class TargetResolutionError extends FaultlineError {}

interface AwsTargetResolverOptions {
  ec2: EC2Client;
  rds: RDSClient;
  fis: FisClient;
  /**
   * Tag every candidate must carry, whatever the template asks: resources opt in to chaos. A
   * template that asks for another value of this tag gets no candidates.
   */
  requiredTag: { key: string; value: string };
}

/**
 * Template filter paths that DescribeInstances can apply on its side (the instance field as the
 * API returns it → the DescribeInstances filter name). Others are applied on the results only.
 */
const EC2_FILTER_NAMES: Readonly<Record<string, string>> = {
  'State.Name': 'instance-state-name',
  'Placement.AvailabilityZone': 'availability-zone',
  'Placement.GroupName': 'placement-group-name',
  InstanceType: 'instance-type',
  VpcId: 'vpc-id',
  SubnetId: 'subnet-id',
  ImageId: 'image-id',
  Architecture: 'architecture',
  InstanceLifecycle: 'instance-lifecycle',
  PrivateIpAddress: 'private-ip-address',
  'IamInstanceProfile.Arn': 'iam-instance-profile.arn',
  'SecurityGroups.GroupId': 'instance.group-id',
};

const defined = (attributes: Record<string, string | undefined>): Record<string, string> =>
  Object.fromEntries(Object.entries(attributes).filter((e): e is [string, string] => e[1] !== undefined));

/**
 * Without a state filter only resources in their working state are candidates: a stopped
 * instance or a cluster being modified is no steady state to break.
 */
const withDefaultState = (filters: readonly ResourceFilter[], path: string, value: string): ResourceFilter[] =>
  filters.some((f) => f.path === path) ? [...filters] : [...filters, { path, values: [value] }];

/** TargetResolver for the aws provider: EC2 instances, RDS clusters and instances, FIS templates. */
export class AwsTargetResolver implements TargetResolver {
  constructor(private readonly options: AwsTargetResolverOptions) {}

  async candidates(targetName: string, spec: TargetSpec): Promise<ResolvedTarget[]> {
    if (spec.provider !== 'aws') {
      throw new TargetResolutionError(
        `target ${targetName}: provider "${spec.provider}" is not served by the AWS resolver`,
      );
    }
    const tags = this.wantedTags(spec);
    if (tags === undefined) return [];
    try {
      switch (spec.resourceType) {
        case AWS_RESOURCE_TYPES.instance:
          return await this.instances(targetName, spec, tags);
        case AWS_RESOURCE_TYPES.cluster:
          return await this.clusters(targetName, spec, tags);
        case AWS_RESOURCE_TYPES.db:
          return await this.dbInstances(targetName, spec, tags);
        case AWS_RESOURCE_TYPES.fisTemplate:
          return await this.fisTemplates(targetName, spec, tags);
        default:
          throw new TargetResolutionError(`target ${targetName}: unknown resource type "${spec.resourceType}"`);
      }
    } catch (error) {
      if (error instanceof TargetResolutionError) throw error;
      throw new TargetResolutionError(`target ${targetName}: could not list ${spec.resourceType} resources`, {
        cause: error,
      });
    }
  }

  /** The template's tags plus the opt-in tag; undefined when the two contradict each other. */
  private wantedTags(spec: TargetSpec): Record<string, string> | undefined {
    const { key, value } = this.options.requiredTag;
    const asked = spec.resourceTags ?? {};
    if (asked[key] !== undefined && asked[key] !== value) return undefined;
    return { ...asked, [key]: value };
  }

  private async instances(
    targetName: string,
    spec: TargetSpec,
    tags: Record<string, string>,
  ): Promise<ResolvedTarget[]> {
    const filters = withDefaultState(spec.filters ?? [], 'State.Name', 'running');
    const ec2Filters: Filter[] = [
      ...Object.entries(tags).map(([k, v]) => ({ Name: `tag:${k}`, Values: [v] })),
      ...(spec.resourceIds ? [{ Name: 'instance-id', Values: [...spec.resourceIds] }] : []),
      ...filters.flatMap((f) => {
        const name = EC2_FILTER_NAMES[f.path];
        return name ? [{ Name: name, Values: [...f.values] }] : [];
      }),
    ];
    const found: Instance[] = [];
    let nextToken: string | undefined;
    do {
      // instance ids go in a filter, not InstanceIds: DescribeInstances refuses InstanceIds with MaxResults.
      const page = await this.options.ec2.send(
        new DescribeInstancesCommand({
          Filters: ec2Filters,
          MaxResults: 1000,
          ...(nextToken ? { NextToken: nextToken } : {}),
        }),
      );
      for (const r of page.Reservations ?? []) found.push(...(r.Instances ?? []));
      nextToken = page.NextToken;
    } while (nextToken);
    return found
      .filter((i) => i.InstanceId && matchesFilters(i, filters) && hasTags(tagRecord(i.Tags), tags))
      .map((i) => {
        const id = i.InstanceId!;
        const instanceTags = tagRecord(i.Tags);
        return {
          name: targetName,
          provider: 'aws',
          resourceType: AWS_RESOURCE_TYPES.instance,
          id,
          key: `${AWS_RESOURCE_TYPES.instance}:${id}`,
          attributes: defined({
            state: i.State?.Name,
            availabilityZone: i.Placement?.AvailabilityZone,
            privateIpAddress: i.PrivateIpAddress,
            [ASG_NAME_TAG]: instanceTags[ASG_NAME_TAG],
          }),
        };
      });
  }

  private async clusters(
    targetName: string,
    spec: TargetSpec,
    tags: Record<string, string>,
  ): Promise<ResolvedTarget[]> {
    const filters = withDefaultState(spec.filters ?? [], 'Status', 'available');
    const found = [];
    let marker: string | undefined;
    do {
      // RDS has no tag filter on describe calls: tags are checked on the results.
      const page = await this.options.rds.send(
        new DescribeDBClustersCommand({
          ...(spec.resourceIds ? { Filters: [{ Name: 'db-cluster-id', Values: [...spec.resourceIds] }] } : {}),
          MaxRecords: 100,
          ...(marker ? { Marker: marker } : {}),
        }),
      );
      found.push(...(page.DBClusters ?? []));
      marker = page.Marker;
    } while (marker);
    return found
      .filter((c) => c.DBClusterIdentifier && hasTags(tagRecord(c.TagList), tags) && matchesFilters(c, filters))
      .map((c) => ({
        name: targetName,
        provider: 'aws',
        resourceType: AWS_RESOURCE_TYPES.cluster,
        id: c.DBClusterIdentifier!,
        key: `${AWS_RESOURCE_TYPES.cluster}:${c.DBClusterIdentifier!}`,
        attributes: defined({ arn: c.DBClusterArn, engine: c.Engine, status: c.Status }),
      }));
  }

  private async dbInstances(
    targetName: string,
    spec: TargetSpec,
    tags: Record<string, string>,
  ): Promise<ResolvedTarget[]> {
    const filters = withDefaultState(spec.filters ?? [], 'DBInstanceStatus', 'available');
    const found = [];
    let marker: string | undefined;
    do {
      const page = await this.options.rds.send(
        new DescribeDBInstancesCommand({
          ...(spec.resourceIds ? { Filters: [{ Name: 'db-instance-id', Values: [...spec.resourceIds] }] } : {}),
          MaxRecords: 100,
          ...(marker ? { Marker: marker } : {}),
        }),
      );
      found.push(...(page.DBInstances ?? []));
      marker = page.Marker;
    } while (marker);
    return found
      .filter((d) => d.DBInstanceIdentifier && hasTags(tagRecord(d.TagList), tags) && matchesFilters(d, filters))
      .map((d) => ({
        name: targetName,
        provider: 'aws',
        resourceType: AWS_RESOURCE_TYPES.db,
        id: d.DBInstanceIdentifier!,
        key: `${AWS_RESOURCE_TYPES.db}:${d.DBInstanceIdentifier!}`,
        attributes: defined({
          arn: d.DBInstanceArn,
          engine: d.Engine,
          status: d.DBInstanceStatus,
          multiAZ: d.MultiAZ === undefined ? undefined : String(d.MultiAZ),
          clusterId: d.DBClusterIdentifier,
        }),
      }));
  }

  private async fisTemplates(
    targetName: string,
    spec: TargetSpec,
    tags: Record<string, string>,
  ): Promise<ResolvedTarget[]> {
    const templates: { id?: string; tags?: Record<string, string> }[] = [];
    if (spec.resourceIds) {
      for (const id of spec.resourceIds) {
        try {
          const got = await this.options.fis.send(new GetExperimentTemplateCommand({ id }));
          if (got.experimentTemplate) templates.push(got.experimentTemplate);
        } catch (error) {
          // A template that does not exist is no candidate; the domain reports "no targets".
          if (!isAwsError(error, 'ResourceNotFoundException')) throw error;
        }
      }
    } else {
      let nextToken: string | undefined;
      do {
        const page = await this.options.fis.send(
          new ListExperimentTemplatesCommand({ maxResults: 100, ...(nextToken ? { nextToken } : {}) }),
        );
        templates.push(...(page.experimentTemplates ?? []));
        nextToken = page.nextToken;
      } while (nextToken);
    }
    return templates
      .filter((t) => t.id && hasTags(t.tags ?? {}, tags) && matchesFilters(t, spec.filters ?? []))
      .map((t) => ({
        name: targetName,
        provider: 'aws',
        resourceType: AWS_RESOURCE_TYPES.fisTemplate,
        id: t.id!,
        key: `${AWS_RESOURCE_TYPES.fisTemplate}:${t.id!}`,
      }));
  }
}
