import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CodePipelineClient } from '@aws-sdk/client-codepipeline';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EC2Client } from '@aws-sdk/client-ec2';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { FisClient } from '@aws-sdk/client-fis';
import { RDSClient } from '@aws-sdk/client-rds';
import { S3Client } from '@aws-sdk/client-s3';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SSMClient } from '@aws-sdk/client-ssm';

/**
 * The SDK clients of a process, each built once, on first use: a function that never touches
 * RDS pays nothing for it, and every invocation of a warm function reuses the same connections.
 *
 * No option is set on purpose. Region, credentials, retries (AWS_MAX_ATTEMPTS, AWS_RETRY_MODE)
 * and endpoints (AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_<SERVICE>) come from the SDK's standard
 * configuration chain, which is what lets the same code talk to local endpoints.
 */
export interface AwsClients {
  readonly autoScaling: AutoScalingClient;
  readonly cloudWatch: CloudWatchClient;
  readonly codePipeline: CodePipelineClient;
  readonly dynamoDb: DynamoDBClient;
  readonly ec2: EC2Client;
  readonly elbv2: ElasticLoadBalancingV2Client;
  readonly eventBridge: EventBridgeClient;
  readonly fis: FisClient;
  readonly rds: RDSClient;
  readonly s3: S3Client;
  readonly scheduler: SchedulerClient;
  readonly ssm: SSMClient;
}

const once = <T>(make: () => T): (() => T) => {
  let value: T | undefined;
  return () => (value ??= make());
};

const autoScaling = once(() => new AutoScalingClient({}));
const cloudWatch = once(() => new CloudWatchClient({}));
const codePipeline = once(() => new CodePipelineClient({}));
const dynamoDb = once(() => new DynamoDBClient({}));
const ec2 = once(() => new EC2Client({}));
const elbv2 = once(() => new ElasticLoadBalancingV2Client({}));
const eventBridge = once(() => new EventBridgeClient({}));
const fis = once(() => new FisClient({}));
const rds = once(() => new RDSClient({}));
const s3 = once(() => new S3Client({}));
const scheduler = once(() => new SchedulerClient({}));
const ssm = once(() => new SSMClient({}));

/** The process's clients; a property builds its client the first time it is read. */
export const clients: AwsClients = {
  get autoScaling() {
    return autoScaling();
  },
  get cloudWatch() {
    return cloudWatch();
  },
  get codePipeline() {
    return codePipeline();
  },
  get dynamoDb() {
    return dynamoDb();
  },
  get ec2() {
    return ec2();
  },
  get elbv2() {
    return elbv2();
  },
  get eventBridge() {
    return eventBridge();
  },
  get fis() {
    return fis();
  },
  get rds() {
    return rds();
  },
  get s3() {
    return s3();
  },
  get scheduler() {
    return scheduler();
  },
  get ssm() {
    return ssm();
  },
};
