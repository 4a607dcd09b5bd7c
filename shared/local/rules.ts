import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument, type Tags } from 'yaml';
import { ConfigurationError } from '../errors';
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
}

/** CloudFormation short-form tags, kept as opaque values: the bus only needs the patterns. */
const cloudFormationTags: Tags = ['Ref', 'GetAtt', 'Sub', 'Join', 'Split', 'If', 'Not', 'Equals', 'Select', 'ImportValue', 'FindInMap', 'GetAZs', 'Base64', 'Cidr', 'And', 'Or', 'Condition'].flatMap(
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
  if (doc.errors.length) throw new ConfigurationError(`${serverlessYmlPath}: ${doc.errors.map((e) => e.message).join('; ')}`);
  const config = doc.toJS() as { functions?: Record<string, { events?: Array<Record<string, unknown>> }> };
  const rules: FunctionRule[] = [];
  for (const [functionName, fn] of Object.entries(config.functions ?? {})) {
    for (const event of fn.events ?? []) {
      const eb = event.eventBridge as
        | { eventBus?: unknown; pattern?: Record<string, unknown>; retryPolicy?: { maximumEventAge?: number; maximumRetryAttempts?: number } }
        | undefined;
      if (!eb?.pattern) continue;
      const problems = validatePattern(eb.pattern);
      if (problems.length) throw new ConfigurationError(`function ${functionName}: invalid event pattern: ${problems.join('; ')}`);
      rules.push({
        functionName,
        bus: eb.eventBus === undefined ? 'default' : 'custom',
        pattern: eb.pattern,
        ...(eb.retryPolicy?.maximumEventAge !== undefined ? { maximumEventAgeSeconds: eb.retryPolicy.maximumEventAge } : {}),
        ...(eb.retryPolicy?.maximumRetryAttempts !== undefined ? { maximumRetryAttempts: eb.retryPolicy.maximumRetryAttempts } : {}),
      });
    }
  }
  return rules;
};

/** serverless.yml of this checkout (or of the directory the CLI bundle says). */
export const serverlessYmlPath = (): string =>
  process.env.FAULTLINE_SERVERLESS_YML ?? join(__dirname, '..', '..', 'serverless.yml');
