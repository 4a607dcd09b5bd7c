import * as z from 'zod';
import { ConfigurationError, formatProblems, type Problem } from '../errors';
import { metricQueryConfigSchema, type MetricQueryConfig } from './cloudwatch-metrics';

/**
 * Configuration of the AWS adapters, read from environment variables once at cold start
 * (STYLE 5): a missing or mistyped variable fails the first invocation with every problem named,
 * never a later event halfway through an experiment.
 */

/** The environment variables read here. serverless.yml sets them; a test can check it against these. */
export const ENV = {
  TABLE_NAME: 'TABLE_NAME',
  EVENT_BUS_NAME: 'EVENT_BUS_NAME',
  EVENT_BUS_ARN: 'EVENT_BUS_ARN',
  SCHEDULER_GROUP: 'SCHEDULER_GROUP',
  SCHEDULER_ROLE_ARN: 'SCHEDULER_ROLE_ARN',
  SCHEDULER_DLQ_ARN: 'SCHEDULER_DLQ_ARN',
  STAGE: 'STAGE',
  FAULTLINE_ENVIRONMENT: 'FAULTLINE_ENVIRONMENT',
  SSM_DOCUMENT_PREFIX: 'SSM_DOCUMENT_PREFIX',
  TARGET_TAG_KEY: 'TARGET_TAG_KEY',
  TARGET_TAG_VALUE: 'TARGET_TAG_VALUE',
  METRIC_QUERIES: 'METRIC_QUERIES',
  /** The report bucket: set for the report function only. */
  REPORT_BUCKET: 'REPORT_BUCKET',
} as const;

export type EnvVar = (typeof ENV)[keyof typeof ENV];

/** Variables without which no function may start. */
export const REQUIRED_ENV_VARS = [
  ENV.TABLE_NAME,
  ENV.EVENT_BUS_NAME,
  ENV.EVENT_BUS_ARN,
  ENV.SCHEDULER_GROUP,
  ENV.SCHEDULER_ROLE_ARN,
  ENV.STAGE,
] as const satisfies readonly EnvVar[];

/** Variables with a default (or, for the DLQ, simply optional). */
export const OPTIONAL_ENV_VARS = [
  ENV.SCHEDULER_DLQ_ARN,
  ENV.FAULTLINE_ENVIRONMENT,
  ENV.SSM_DOCUMENT_PREFIX,
  ENV.TARGET_TAG_KEY,
  ENV.TARGET_TAG_VALUE,
  ENV.METRIC_QUERIES,
  ENV.REPORT_BUCKET,
] as const satisfies readonly EnvVar[];

export const DEFAULT_TARGET_TAG = { key: 'faultline:target', value: 'true' } as const;

export interface AwsConfig {
  tableName: string;
  eventBusName: string;
  eventBusArn: string;
  /** Account and region of the stack, read from the bus ARN: whose events are trusted. */
  account: string;
  region: string;
  scheduler: { groupName: string; roleArn: string; deadLetterArn?: string };
  stage: string;
  /** The environment this stack guards; templates list it in `safety.environments`. */
  environment: string;
  /** SSM document of a host fault: `<prefix><fault type>`, e.g. `faultline-dev-cpu-stress`. */
  ssmDocumentPrefix: string;
  /** Only resources carrying this tag can be targets: an opt-in, whatever a template asks. */
  targetTag: { key: string; value: string };
  metricQueries: MetricQueryConfig;
  /** The report bucket's name, where the function that writes reports is given one. */
  reportBucket?: string;
}

/** A configuration error that names every missing and every invalid variable. */
export class AwsConfigurationError extends ConfigurationError {
  constructor(
    readonly missing: readonly string[],
    readonly invalid: readonly Problem[],
    options?: { cause?: unknown },
  ) {
    const parts = [
      ...(missing.length ? [`missing environment variable${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`] : []),
      ...(invalid.length ? [`invalid ${formatProblems(invalid)}`] : []),
    ];
    super(`configuration: ${parts.join('; ')}`, options);
  }
}

/** IAM ARNs have no region; the others must name one. */
const arn = (service: string, resource: string, region = '[a-z0-9-]+') =>
  z
    .string()
    .regex(
      new RegExp(`^arn:aws[a-z-]*:${service}:${region}:\\d{12}:${resource}.+$`),
      `not an ${service} ${resource || 'resource'} ARN`,
    );

const jsonText = z.string().transform((text, ctx) => {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    ctx.addIssue({ code: 'custom', message: 'not valid JSON' });
    return z.NEVER;
  }
});

const envSchema = z.object({
  [ENV.TABLE_NAME]: z.string().regex(/^[a-zA-Z0-9_.-]{3,255}$/, 'not a DynamoDB table name'),
  [ENV.EVENT_BUS_NAME]: z.string().regex(/^[/.\-_A-Za-z0-9]{1,256}$/, 'not an event bus name'),
  [ENV.EVENT_BUS_ARN]: arn('events', 'event-bus/'),
  [ENV.SCHEDULER_GROUP]: z.string().regex(/^[0-9a-zA-Z\-_.]{1,64}$/, 'not a schedule group name'),
  [ENV.SCHEDULER_ROLE_ARN]: arn('iam', 'role/', ''),
  [ENV.SCHEDULER_DLQ_ARN]: arn('sqs', '').optional(),
  [ENV.STAGE]: z.string().regex(/^[a-zA-Z0-9-]{1,64}$/, 'letters, digits and "-" only'),
  [ENV.FAULTLINE_ENVIRONMENT]: z.string().min(1).optional(),
  // SSM document names are [a-zA-Z0-9_.-]{3,128} and may not start with "aws" or "amazon".
  [ENV.SSM_DOCUMENT_PREFIX]: z
    .string()
    .regex(/^[a-zA-Z0-9_.-]{1,100}$/, 'letters, digits, "_", "." and "-" only')
    .refine((v) => !/^(aws|amazon)/i.test(v), 'may not start with "aws" or "amazon"')
    .optional(),
  [ENV.TARGET_TAG_KEY]: z.string().min(1).max(128).optional(),
  [ENV.TARGET_TAG_VALUE]: z.string().max(256).optional(),
  [ENV.METRIC_QUERIES]: jsonText.pipe(metricQueryConfigSchema).optional(),
  [ENV.REPORT_BUCKET]: z
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'not an S3 bucket name')
    .optional(),
});

/**
 * Reads and validates the configuration from `env`. Throws AwsConfigurationError (a
 * ConfigurationError) naming every missing and every invalid variable at once.
 */
export const loadAwsConfig = (env: Readonly<Record<string, string | undefined>> = process.env): AwsConfig => {
  // A variable set to "" (an unresolved serverless variable, typically) counts as missing.
  const present = (name: string): string | undefined => {
    const value = env[name];
    return value === undefined || value.trim() === '' ? undefined : value;
  };
  const missing = REQUIRED_ENV_VARS.filter((name) => present(name) === undefined);
  const raw = Object.fromEntries(Object.values(ENV).map((name) => [name, present(name)]));
  const parsed = envSchema.safeParse(raw);
  const invalid: Problem[] = parsed.success
    ? []
    : parsed.error.issues
        .filter((issue) => !missing.includes(String(issue.path[0]) as (typeof missing)[number]))
        .map((issue) => ({ path: issue.path.map(String).join('.'), message: issue.message }));
  if (parsed.success) {
    const busName = parsed.data[ENV.EVENT_BUS_NAME];
    if (!parsed.data[ENV.EVENT_BUS_ARN].endsWith(`:event-bus/${busName}`)) {
      invalid.push({ path: ENV.EVENT_BUS_ARN, message: `does not name the bus ${ENV.EVENT_BUS_NAME}="${busName}"` });
    }
  }
  if (missing.length > 0 || invalid.length > 0 || !parsed.success) {
    throw new AwsConfigurationError(missing, invalid);
  }
  const data = parsed.data;
  const stage = data[ENV.STAGE];
  const [, , , region = '', account = ''] = data[ENV.EVENT_BUS_ARN].split(':');
  return {
    tableName: data[ENV.TABLE_NAME],
    eventBusName: data[ENV.EVENT_BUS_NAME],
    eventBusArn: data[ENV.EVENT_BUS_ARN],
    account,
    region,
    scheduler: {
      groupName: data[ENV.SCHEDULER_GROUP],
      roleArn: data[ENV.SCHEDULER_ROLE_ARN],
      ...(data[ENV.SCHEDULER_DLQ_ARN] ? { deadLetterArn: data[ENV.SCHEDULER_DLQ_ARN] } : {}),
    },
    stage,
    // The stage is the environment unless the stack says otherwise (a stage "pr-42" guarding "staging").
    environment: data[ENV.FAULTLINE_ENVIRONMENT] ?? stage,
    ssmDocumentPrefix: data[ENV.SSM_DOCUMENT_PREFIX] ?? `faultline-${stage}-`,
    targetTag: {
      key: data[ENV.TARGET_TAG_KEY] ?? DEFAULT_TARGET_TAG.key,
      value: data[ENV.TARGET_TAG_VALUE] ?? DEFAULT_TARGET_TAG.value,
    },
    metricQueries: data[ENV.METRIC_QUERIES] ?? { templates: {} },
    ...(data[ENV.REPORT_BUCKET] ? { reportBucket: data[ENV.REPORT_BUCKET] } : {}),
  };
};

let cached: AwsConfig | undefined;

/** The configuration of this process, read on first use (cold start) and kept. */
export const awsConfig = (): AwsConfig => (cached ??= loadAwsConfig());
