import { albQueries } from '../../../shared/aws/cloudwatch-metrics';
import {
  type AwsConfigurationError,
  ENV,
  loadAwsConfig,
  OPTIONAL_ENV_VARS,
  REQUIRED_ENV_VARS,
} from '../../../shared/aws/config';
import { ConfigurationError } from '../../../shared/errors';

const complete = {
  TABLE_NAME: 'faultline-dev',
  EVENT_BUS_NAME: 'faultline-dev',
  EVENT_BUS_ARN: 'arn:aws:events:eu-west-1:123456789012:event-bus/faultline-dev',
  SCHEDULER_GROUP: 'faultline-dev',
  SCHEDULER_ROLE_ARN: 'arn:aws:iam::123456789012:role/faultline-dev-scheduler',
  STAGE: 'dev',
};

const failure = (env: Record<string, string | undefined>): AwsConfigurationError => {
  try {
    loadAwsConfig(env);
  } catch (error) {
    return error as AwsConfigurationError;
  }
  throw new Error('expected a configuration error');
};

describe('loadAwsConfig', () => {
  it('reads a complete environment, with defaults for the optional variables', () => {
    // Act
    const config = loadAwsConfig(complete);

    // Assess
    expect(config).toEqual({
      tableName: 'faultline-dev',
      eventBusName: 'faultline-dev',
      eventBusArn: complete.EVENT_BUS_ARN,
      account: '123456789012',
      region: 'eu-west-1',
      scheduler: { groupName: 'faultline-dev', roleArn: complete.SCHEDULER_ROLE_ARN },
      stage: 'dev',
      environment: 'dev',
      ssmDocumentPrefix: 'faultline-dev-',
      targetTag: { key: 'faultline:target', value: 'true' },
      metricQueries: { templates: {} },
    });
  });

  it('names every missing variable at once, an empty one included', () => {
    // Act
    const error = failure({ STAGE: 'dev', TABLE_NAME: '' });

    // Assess
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.missing).toEqual([
      'TABLE_NAME',
      'EVENT_BUS_NAME',
      'EVENT_BUS_ARN',
      'SCHEDULER_GROUP',
      'SCHEDULER_ROLE_ARN',
    ]);
    expect(error.message).toBe(
      'configuration: missing environment variables TABLE_NAME, EVENT_BUS_NAME, EVENT_BUS_ARN, SCHEDULER_GROUP, SCHEDULER_ROLE_ARN',
    );
  });

  it('reports invalid values alongside missing ones', () => {
    // Act
    const error = failure({
      ...complete,
      SCHEDULER_GROUP: undefined,
      SCHEDULER_ROLE_ARN: 'faultline-scheduler',
      METRIC_QUERIES: '{oops',
    });

    // Assess
    expect(error.missing).toEqual(['SCHEDULER_GROUP']);
    expect(error.invalid.map((p) => p.path)).toEqual(['SCHEDULER_ROLE_ARN', 'METRIC_QUERIES']);
    expect(error.message).toMatch(/SCHEDULER_ROLE_ARN: not an iam role\/ ARN/);
  });

  it('refuses a bus ARN that names another bus than EVENT_BUS_NAME', () => {
    // Act
    const error = failure({ ...complete, EVENT_BUS_ARN: 'arn:aws:events:eu-west-1:123456789012:event-bus/default' });

    // Assess
    expect(error.invalid).toEqual([
      { path: 'EVENT_BUS_ARN', message: 'does not name the bus EVENT_BUS_NAME="faultline-dev"' },
    ]);
  });

  it('takes the optional variables when they are set', () => {
    // Act
    const config = loadAwsConfig({
      ...complete,
      FAULTLINE_ENVIRONMENT: 'staging',
      SSM_DOCUMENT_PREFIX: 'chaos-',
      TARGET_TAG_KEY: 'chaos',
      TARGET_TAG_VALUE: 'allowed',
      SCHEDULER_DLQ_ARN: 'arn:aws:sqs:eu-west-1:123456789012:faultline-dev-dlq',
      METRIC_QUERIES: JSON.stringify({
        templates: {
          checkout: {
            alb: { loadBalancer: 'app/checkout/50dc6c495c0c9188', targetGroup: 'targetgroup/web/73e2d6bc24d8a067' },
          },
        },
      }),
    });

    // Assess
    expect(config.environment).toBe('staging');
    expect(config.ssmDocumentPrefix).toBe('chaos-');
    expect(config.targetTag).toEqual({ key: 'chaos', value: 'allowed' });
    expect(config.scheduler.deadLetterArn).toBe('arn:aws:sqs:eu-west-1:123456789012:faultline-dev-dlq');
    expect(config.metricQueries.templates.checkout).toEqual(
      albQueries({ loadBalancer: 'app/checkout/50dc6c495c0c9188', targetGroup: 'targetgroup/web/73e2d6bc24d8a067' }),
    );
  });

  it('refuses an SSM document prefix that AWS would refuse', () => {
    // Act
    const error = failure({ ...complete, SSM_DOCUMENT_PREFIX: 'AWS-faultline-' });

    // Assess
    expect(error.invalid.map((p) => p.path)).toEqual(['SSM_DOCUMENT_PREFIX']);
  });

  it('exports every variable it reads, each as required or optional', () => {
    expect([...REQUIRED_ENV_VARS, ...OPTIONAL_ENV_VARS].sort()).toEqual(Object.values(ENV).sort());
  });
});
