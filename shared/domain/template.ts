import * as z from 'zod';
import { InvalidTemplateError, type Problem } from '../errors';
import { parseDurationMs } from './duration';
import { ALL_FAULT_TYPES, faultParameterSchemas, isFaultType, PROVIDER_SPECIFIC_FAULT_TYPES } from './faults';
import { problemsFrom } from '../problems';

/**
 * The experiment template: what to break, where, what must hold, when to stop.
 * Every object is strict: an unknown key is an error, since a typo must never silently
 * disable a safety setting.
 */

/**
 * Size limits of a template. An execution item carries its template, and DynamoDB refuses items
 * over 400 KB: a template must leave ample room for what the run records beside it.
 */
export const TEMPLATE_LIMITS = {
  /** The whole template as JSON. */
  bytes: 64 * 1024,
  /** Free text: descriptions and the hypothesis statement. */
  text: 2048,
  /** Targets, actions, stop conditions, environments, bindings, ids and filters: entries of each. */
  entries: 20,
  /** Fault parameters of one action, as JSON. */
  parametersBytes: 4096,
  /** Targets one experiment may select in all (`safety.maxTargets`). */
  targets: 100,
  /** The longest duration anywhere in a template. */
  durationMs: 86_400_000,
} as const;

const duration = z
  .string()
  .max(32)
  .refine((v) => parseDurationMs(v) !== undefined && parseDurationMs(v)! > 0, {
    message: 'not an ISO-8601 duration (e.g. PT5M, PT30S)',
  })
  .refine((v) => (parseDurationMs(v) ?? 0) <= TEMPLATE_LIMITS.durationMs, { message: 'longer than the limit of P1D' });

const text = z.string().max(TEMPLATE_LIMITS.text);
const shortText = z.string().min(1).max(256);

const name = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'letters, digits, ".", "_" and "-" only, at most 64');

/** COUNT(n) with n ≥ 1 and PERCENT(p) with 1 ≤ p ≤ 100: a selection that can select nothing is refused. */
export const SELECTION_MODE = /^(ALL|COUNT\(([1-9]\d*)\)|PERCENT\(([1-9]\d?|100)\))$/;

export const RESOURCE_TYPES = {
  aws: ['aws:ec2:instance', 'aws:rds:cluster', 'aws:rds:db', 'aws:fis:experiment-template'],
  local: ['local:replica', 'local:dependency'],
} as const;

const criterion = z.discriminatedUnion('type', [
  z.object({ type: z.literal('availability'), minPercent: z.number().min(0).max(100) }).strict(),
  z
    .object({
      type: z.literal('latency'),
      percentile: z.union([z.literal(50), z.literal(90), z.literal(95), z.literal(99)]),
      maxMs: z.number().positive(),
    })
    .strict(),
  z.object({ type: z.literal('recoveryTime'), maxSeconds: z.number().positive() }).strict(),
]);

const target = z
  .object({
    provider: z.enum(['aws', 'local']),
    resourceType: z.string().min(1),
    resourceTags: z
      .record(z.string().min(1).max(128), z.string().max(256))
      .refine((t) => Object.keys(t).length <= TEMPLATE_LIMITS.entries, {
        message: `at most ${TEMPLATE_LIMITS.entries} tags`,
      })
      .optional(),
    resourceIds: z.array(shortText).min(1).max(TEMPLATE_LIMITS.targets).optional(),
    filters: z
      .array(
        z
          .object({ path: shortText, values: z.array(z.string().max(256)).min(1).max(TEMPLATE_LIMITS.entries) })
          .strict(),
      )
      .max(TEMPLATE_LIMITS.entries)
      .optional(),
    selectionMode: z.string().regex(SELECTION_MODE, 'ALL, COUNT(n) or PERCENT(n)').default('ALL'),
  })
  .strict();

const action = z
  .object({
    fault: z.string().refine(isFaultType, { message: `unknown fault type; known: ${ALL_FAULT_TYPES.join(', ')}` }),
    target: name,
    parameters: z
      .record(z.string(), z.unknown())
      .refine((p) => JSON.stringify(p).length <= TEMPLATE_LIMITS.parametersBytes, {
        message: `larger than ${TEMPLATE_LIMITS.parametersBytes} bytes as JSON`,
      })
      .default({}),
    duration,
    description: text.optional(),
  })
  .strict();

/**
 * Where the template is bound into delivery (pipelines); read by the pipeline adapter. Without
 * `action` the experiments start when the stage SUCCEEDED; with it, when that action SUCCEEDED.
 */
const pipelineBinding = z
  .object({
    pipeline: z.string().min(1).max(100),
    stage: z.string().min(1).max(100),
    action: z.string().min(1).max(100).optional(),
    onFailure: z.enum(['rollback-stage', 'stop-pipeline', 'none']).default('none'),
  })
  .strict();

export const templateSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'lower-case letters, digits and "-" only, at most 64'),
    version: z.number().int().min(1).default(1),
    description: text.default(''),
    hypothesis: z
      .object({
        statement: text.min(1),
        successCriteria: z.array(criterion).min(1).max(TEMPLATE_LIMITS.entries),
      })
      .strict(),
    targets: z
      .record(name, target)
      .refine((t) => Object.keys(t).length > 0, { message: 'at least one target' })
      .refine((t) => Object.keys(t).length <= TEMPLATE_LIMITS.entries, {
        message: `at most ${TEMPLATE_LIMITS.entries} targets`,
      }),
    actions: z
      .record(name, action)
      .refine((a) => Object.keys(a).length > 0, { message: 'at least one action' })
      .refine((a) => Object.keys(a).length <= TEMPLATE_LIMITS.entries, {
        message: `at most ${TEMPLATE_LIMITS.entries} actions`,
      }),
    stopConditions: z
      .array(z.object({ alarm: z.string().min(1).max(255) }).strict())
      .max(TEMPLATE_LIMITS.entries)
      .default([]),
    safety: z
      .object({
        environments: z.array(z.string().min(1).max(64)).min(1).max(TEMPLATE_LIMITS.entries),
        maxTargetsPercent: z.number().min(1).max(100).default(100),
        maxTargets: z.number().int().min(1).max(TEMPLATE_LIMITS.targets).default(10),
        minHealthyTargets: z.number().int().min(0).default(0),
      })
      .strict(),
    observation: z.object({ window: duration }).strict(),
    recovery: z
      .object({ timeout: duration.default('PT5M'), checkEvery: duration.default('PT15S') })
      .strict()
      .default({ timeout: 'PT5M', checkEvery: 'PT15S' }),
    delivery: z
      .object({ pipelines: z.array(pipelineBinding).max(TEMPLATE_LIMITS.entries).default([]) })
      .strict()
      .optional(),
  })
  .strict()
  .strict();

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const asRecord = (v: unknown): Record<string, unknown> => (isRecord(v) ? v : {});
const durationOf = (v: unknown): number | undefined => (typeof v === 'string' ? parseDurationMs(v) : undefined);

/**
 * Checks across fields (references, per-fault parameters, timing). They read the raw document
 * defensively so that they report alongside the schema's own problems, not only once those are fixed.
 */
const crossProblems = (raw: unknown): Problem[] => {
  const problems: Problem[] = [];
  const doc = asRecord(raw);
  const targets = asRecord(doc.targets);
  const windowMs = durationOf(asRecord(doc.observation).window);
  for (const [actionName, value] of Object.entries(asRecord(doc.actions))) {
    const a = asRecord(value);
    const at = `actions.${actionName}`;
    const tgt = typeof a.target === 'string' ? targets[a.target] : undefined;
    if (typeof a.target === 'string' && tgt === undefined) {
      problems.push({ path: `${at}.target`, message: `no target named "${a.target}"` });
    }
    if (typeof a.fault === 'string' && isFaultType(a.fault)) {
      const parsed = faultParameterSchemas[a.fault].safeParse(a.parameters ?? {});
      if (!parsed.success) {
        problems.push(...problemsFrom(parsed.error, `${at}.parameters`));
      }
      if (
        (PROVIDER_SPECIFIC_FAULT_TYPES as readonly string[]).includes(a.fault) &&
        isRecord(tgt) &&
        tgt.provider !== 'aws'
      ) {
        problems.push({ path: `${at}.fault`, message: `${a.fault} runs on the aws provider only` });
      }
    }
    const ms = durationOf(a.duration);
    // The revert deadline counts from the start of injection, the window from its end: leave room
    // for injecting, measuring and reverting, or the deadline would stop every run.
    const margin = windowMs === undefined ? 0 : Math.min(windowMs, 5_000);
    if (ms !== undefined && windowMs !== undefined && ms < windowMs + margin) {
      problems.push({
        path: `${at}.duration`,
        message: `must exceed observation.window by at least ${margin / 1000}s (the revert deadline would end the observation)`,
      });
    }
  }
  for (const [targetName, value] of Object.entries(targets)) {
    const tg = asRecord(value);
    if (tg.provider !== 'aws' && tg.provider !== 'local') continue;
    const allowed: readonly string[] = RESOURCE_TYPES[tg.provider];
    if (typeof tg.resourceType === 'string' && !allowed.includes(tg.resourceType)) {
      problems.push({
        path: `targets.${targetName}.resourceType`,
        message: `"${tg.resourceType}" is not a ${tg.provider} resource type; known: ${allowed.join(', ')}`,
      });
    }
    if (tg.provider === 'aws' && tg.resourceTags === undefined && tg.resourceIds === undefined) {
      problems.push({ path: `targets.${targetName}`, message: 'aws targets need resourceTags or resourceIds' });
    }
  }
  const recovery = asRecord(doc.recovery);
  const checkEvery = durationOf(recovery.checkEvery);
  const timeout = durationOf(recovery.timeout);
  if (checkEvery !== undefined && timeout !== undefined && checkEvery > timeout) {
    problems.push({ path: 'recovery.checkEvery', message: 'longer than recovery.timeout' });
  }
  return problems;
};

export type Template = z.output<typeof templateSchema>;
export type TemplateInput = z.input<typeof templateSchema>;
export type TargetSpec = Template['targets'][string];
export type ActionSpec = Template['actions'][string];
export type SuccessCriterion = Template['hypothesis']['successCriteria'][number];
export type PipelineBinding = NonNullable<Template['delivery']>['pipelines'][number];

/** Every problem of a candidate template, each with its path; empty when the template is valid. */
export const templateProblems = (candidate: unknown): Problem[] => {
  const tooLarge = sizeProblems(candidate);
  if (tooLarge.length) return tooLarge;
  const result = templateSchema.safeParse(candidate);
  return [...(result.success ? [] : problemsFrom(result.error)), ...crossProblems(candidate)];
};

/** A template over the size limit is refused before anything else is read from it. */
const sizeProblems = (candidate: unknown): Problem[] => {
  let bytes: number;
  try {
    bytes = Buffer.byteLength(JSON.stringify(candidate) ?? '');
  } catch {
    return [{ path: '', message: 'not a JSON document' }];
  }
  return bytes > TEMPLATE_LIMITS.bytes
    ? [{ path: '', message: `${bytes} bytes as JSON, over the limit of ${TEMPLATE_LIMITS.bytes}` }]
    : [];
};

/** Validates a template before anything runs: throws InvalidTemplateError listing every problem. */
export const parseTemplate = (candidate: unknown): Template => {
  const tooLarge = sizeProblems(candidate);
  if (tooLarge.length) throw new InvalidTemplateError(tooLarge);
  const result = templateSchema.safeParse(candidate);
  const problems = [...(result.success ? [] : problemsFrom(result.error)), ...crossProblems(candidate)];
  if (result.success && problems.length === 0) {
    // Fill each action's parameter defaults so that executions record what really ran.
    for (const a of Object.values(result.data.actions)) {
      a.parameters = faultParameterSchemas[a.fault as keyof typeof faultParameterSchemas].parse(a.parameters) as Record<
        string,
        unknown
      >;
    }
    return result.data;
  }
  throw new InvalidTemplateError(problems);
};

export const actionDurationMs = (a: ActionSpec): number => parseDurationMs(a.duration)!;
export const windowMs = (t: Template): number => parseDurationMs(t.observation.window)!;
export const recoveryTimeoutMs = (t: Template): number => parseDurationMs(t.recovery.timeout)!;
export const recoveryCheckEveryMs = (t: Template): number => parseDurationMs(t.recovery.checkEvery)!;
