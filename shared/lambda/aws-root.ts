import { clients } from '../aws/clients';
import { CloudWatchAlarmSource, CloudWatchMetricsSource } from '../aws/cloudwatch-metrics';
import { AwsConfigurationError, awsConfig, ENV } from '../aws/config';
import { EmfOperationalMetrics } from '../aws/emf-metrics';
import { EventBridgePublisher } from '../aws/event-publisher';
import { AwsFaultProviders } from '../aws/faults';
import { AwsHealthCheck } from '../aws/health-check';
import { S3ReportSink } from '../aws/s3-report-sink';
import { SchedulerTimer } from '../aws/scheduler-timer';
import { AwsTargetResolver } from '../aws/target-resolver';
import { defaultSettings, type PhaseDependencies } from '../phases/dependencies';
import { parseDurationMs } from '../domain/duration';
import { ConfigurationError } from '../errors';
import {
  defaultDeliverySettings,
  type DeliveryDependencies,
  type DeliveryExtras,
  type DeliverySettings,
} from '../delivery/dependencies';
import { AwsPipelineControl } from '../delivery/pipeline-control';
import type { ReportDependencies } from '../report/publish';
import { ExecutionStore } from '../store/execution-store';

/**
 * The one AWS composition root: what every Lambda function is handed.
 *
 * The phase functions' collaborators on Lambda: configuration read and validated once (a missing
 * variable fails the first invocation, naming every one), SDK clients built once and reused.
 */
export const awsPhaseDependencies = (): PhaseDependencies => {
  const config = awsConfig();
  const clock = { now: () => new Date() };
  return {
    store: new ExecutionStore(clients.dynamoDb, config.tableName, clock),
    publisher: new EventBridgePublisher(clients.eventBridge, { eventBusName: config.eventBusName }),
    timer: new SchedulerTimer(clients.scheduler, {
      groupName: config.scheduler.groupName,
      eventBusArn: config.eventBusArn,
      roleArn: config.scheduler.roleArn,
      ...(config.scheduler.deadLetterArn ? { deadLetterArn: config.scheduler.deadLetterArn } : {}),
      clock,
    }),
    clock,
    faults: new AwsFaultProviders({
      ec2: clients.ec2,
      ssm: clients.ssm,
      rds: clients.rds,
      fis: clients.fis,
      ssmDocumentPrefix: config.ssmDocumentPrefix,
      targetTag: config.targetTag,
      clock,
    }),
    targets: {
      aws: new AwsTargetResolver({
        ec2: clients.ec2,
        rds: clients.rds,
        fis: clients.fis,
        requiredTag: config.targetTag,
      }),
    },
    metrics: new CloudWatchMetricsSource(clients.cloudWatch, { queries: config.metricQueries }),
    alarms: new CloudWatchAlarmSource(clients.cloudWatch),
    health: new AwsHealthCheck({
      autoScaling: clients.autoScaling,
      elbv2: clients.elbv2,
      ec2: clients.ec2,
      rds: clients.rds,
    }),
    settings: defaultSettings({ environment: config.environment, account: config.account }),
  };
};

/** Delivery settings from the environment (GATE_MAX_WAIT: ISO-8601), read once at cold start. */
export const loadDeliverySettings = (
  env: Readonly<Record<string, string | undefined>> = process.env,
): DeliverySettings => {
  const defaults = defaultDeliverySettings();
  const raw = env.GATE_MAX_WAIT?.trim();
  if (!raw) return defaults;
  const ms = parseDurationMs(raw);
  if (ms === undefined || ms <= 0)
    throw new ConfigurationError(`configuration: invalid GATE_MAX_WAIT "${raw}": an ISO-8601 duration (PT1H)`);
  if (ms > defaults.gateMaxWaitLimitMs)
    throw new ConfigurationError(
      `configuration: GATE_MAX_WAIT ${raw} is longer than 23 hours (CodePipeline fails a Lambda action after 24)`,
    );
  return { ...defaults, gateMaxWaitMs: ms };
};

let extras: DeliveryExtras | undefined;

/** The delivery extras on AWS: the CodePipeline adapter on the process's client, and the settings. */
export const awsDeliveryExtras = (): DeliveryExtras =>
  (extras ??= { pipelines: new AwsPipelineControl(clients.codePipeline), delivery: loadDeliverySettings() });

/** Everything a delivery function works with on AWS: the phase dependencies plus the extras. */
export const awsDeliveryDependencies = (): DeliveryDependencies => ({
  ...awsPhaseDependencies(),
  ...awsDeliveryExtras(),
});

/** CloudWatch's finest period for standard metrics: a series recorded on AWS has points a minute apart or more. */
export const CLOUDWATCH_MINIMUM_PERIOD_SECONDS = 60;

/**
 * What the report function works with on AWS: the store (it reads, and records an execution's
 * series), CloudWatch as the series' source (METRIC_QUERIES, as for prepare and observe), the
 * report bucket (REPORT_BUCKET, which serverless.yml gives this function only) and the operational
 * metrics in CloudWatch embedded metric format under the `service` dimension `faultline-<stage>`.
 */
export const awsReportDependencies = (): ReportDependencies => {
  const config = awsConfig();
  if (!config.reportBucket) throw new AwsConfigurationError([ENV.REPORT_BUCKET], []);
  return {
    store: new ExecutionStore(clients.dynamoDb, config.tableName),
    sink: new S3ReportSink(clients.s3, { bucket: config.reportBucket }),
    metrics: new EmfOperationalMetrics({ service: `faultline-${config.stage}` }),
    account: config.account,
    series: {
      metrics: new CloudWatchMetricsSource(clients.cloudWatch, { queries: config.metricQueries }),
      minimumPeriodSeconds: CLOUDWATCH_MINIMUM_PERIOD_SECONDS,
    },
  };
};
