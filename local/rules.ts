import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument, type Tags } from 'yaml';
import { ConfigurationError } from '../shared/errors';
import { validatePattern } from './event-pattern';

/** One function's EventBridge rule, as serverless.yml declares it. */
export interface FunctionRule {
  functionName: string;
  /** `custom` for the faultline bus, `default` for the account's default bus. */
  bus: 'custom' | 'default';
  pattern: Record<string, unknown>;
  /** From the rule's retryPolicy: how long and how often the bus retries a failed delivery. */
  maximumEventAgeSeconds?: number;
  maximumRetryAttempts?: number;
  /** A scheduled rule (`rate(...)`): it matches the "Scheduled Event" EventBridge sends for it. */
  schedule?: { expression: string; everyMs: number; ruleName: string };
}

const RATE = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/;
const UNIT_MS: Record<string, number> = {
  minute: 60_000,
  minutes: 60_000,
  hour: 3_600_000,
  hours: 3_600_000,
  day: 86_400_000,
  days: 86_400_000,
};

/** The name the embedded runtime gives a function's scheduled rule (it appears in the event's resources). */
const scheduledRuleName = (functionName: string): string => `${functionName}-schedule`;

/** CloudFormation short-form tags, kept as opaque values: the bus only needs the patterns. */
const cloudFormationTags: Tags = [
  'Ref',
  'GetAtt',
  'Sub',
  'Join',
  'Split',
  'If',
  'Not',
  'Equals',
  'Select',
  'ImportValue',
  'FindInMap',
  'GetAZs',
  'Base64',
  'Cidr',
  'And',
  'Or',
  'Condition',
].flatMap(
  (name) =>
    (['scalar', 'seq', 'map'] as const).map((collection) => ({
      tag: `!${name}`,
      collection: collection === 'scalar' ? undefined : collection,
      resolve: (value: unknown) => ({ [`Fn::${name}`]: value }),
    })) as unknown as Tags,
);

/**
 * Reads the `eventBridge` rules of every function in serverless.yml, so that the embedded bus
 * routes exactly as the deployed rules do. Fails at start-up on a pattern the matcher rejects.
 */
export const loadFunctionRules = (serverlessYmlPath: string): FunctionRule[] => {
  const text = readFileSync(serverlessYmlPath, 'utf8');
  const doc = parseDocument(text, { customTags: cloudFormationTags, uniqueKeys: false });
  if (doc.errors.length)
    throw new ConfigurationError(`${serverlessYmlPath}: ${doc.errors.map((e) => e.message).join('; ')}`);
  const config = doc.toJS() as { functions?: Record<string, { events?: Array<Record<string, unknown>> }> };
  const rules: FunctionRule[] = [];
  for (const [functionName, fn] of Object.entries(config.functions ?? {})) {
    for (const event of fn.events ?? []) {
      const eb = event.eventBridge as
        | {
            eventBus?: unknown;
            pattern?: Record<string, unknown>;
            schedule?: unknown;
            retryPolicy?: { maximumEventAge?: number; maximumRetryAttempts?: number };
          }
        | undefined;
      if (eb && typeof eb.schedule === 'string') {
        const rate = RATE.exec(eb.schedule);
        if (!rate)
          throw new ConfigurationError(
            `function ${functionName}: the embedded runtime runs rate(n unit) schedules only, not ${eb.schedule}`,
          );
        const ruleName = scheduledRuleName(functionName);
        rules.push({
          functionName,
          bus: 'default',
          pattern: {
            source: ['aws.events'],
            'detail-type': ['Scheduled Event'],
            resources: [{ suffix: `:rule/${ruleName}` }],
          },
          schedule: { expression: eb.schedule, everyMs: Number(rate[1]) * UNIT_MS[rate[2]!]!, ruleName },
        });
        continue;
      }
      if (!eb?.pattern) continue;
      const problems = validatePattern(eb.pattern);
      if (problems.length)
        throw new ConfigurationError(`function ${functionName}: invalid event pattern: ${problems.join('; ')}`);
      rules.push({
        functionName,
        bus: eb.eventBus === undefined ? 'default' : 'custom',
        pattern: eb.pattern,
        ...(eb.retryPolicy?.maximumEventAge !== undefined
          ? { maximumEventAgeSeconds: eb.retryPolicy.maximumEventAge }
          : {}),
        ...(eb.retryPolicy?.maximumRetryAttempts !== undefined
          ? { maximumRetryAttempts: eb.retryPolicy.maximumRetryAttempts }
          : {}),
      });
    }
  }
  return rules;
};

/** serverless.yml of this checkout (or of the directory the CLI bundle says). */
export const serverlessYmlPath = (): string =>
  process.env.FAULTLINE_SERVERLESS_YML ?? join(__dirname, '..', 'serverless.yml');
