import { clients } from '../aws/clients';
import { CloudWatchAlarmSource, CloudWatchMetricsSource } from '../aws/cloudwatch-metrics';
import { awsConfig } from '../aws/config';
import { EventBridgePublisher } from '../aws/event-publisher';
import { AwsFaultProviders } from '../aws/faults';
import { AwsHealthCheck } from '../aws/health-check';
import { SchedulerTimer } from '../aws/scheduler-timer';
import { AwsTargetResolver } from '../aws/target-resolver';
import { defaultSettings, type PhaseDependencies } from '../phases/dependencies';
import { ExecutionStore } from '../store/execution-store';

/**
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
    targets: { aws: new AwsTargetResolver({ ec2: clients.ec2, rds: clients.rds, fis: clients.fis, requiredTag: config.targetTag }) },
    metrics: new CloudWatchMetricsSource(clients.cloudWatch, { queries: config.metricQueries }),
    alarms: new CloudWatchAlarmSource(clients.cloudWatch),
    health: new AwsHealthCheck({ autoScaling: clients.autoScaling, elbv2: clients.elbv2, ec2: clients.ec2, rds: clients.rds }),
    settings: defaultSettings({ environment: config.environment, account: config.account }),
  };
};
