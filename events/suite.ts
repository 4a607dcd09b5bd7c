import * as z from 'zod';

/**
 * The shape of a game-day suite, as GameDayDue carries it and suite files declare it. A game-day suite: templates run together on a schedule, only inside allowed hours and never
 * inside a blackout window. Strict like templates: a typo must not silently drop a blackout.
 */

export const WEEKDAYS = ['MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT', 'SUN'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

const isTimeZone = (tz: string): boolean => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
};

const timeZone = z.string().min(1).refine(isTimeZone, { message: 'not an IANA time zone (e.g. Europe/Berlin, UTC)' });
const clockTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM, 24-hour clock');
/** An instant with its offset: a blackout is absolute, whatever the suite's time zone. */
const instant = z
  .string()
  .regex(
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/,
    'ISO-8601 date-time with offset (2026-12-24T00:00:00+01:00)',
  )
  .refine((v) => !Number.isNaN(Date.parse(v)), { message: 'not a valid date-time' });

/**
 * EventBridge Scheduler's cron: six fields (minutes hours day-of-month month day-of-week year),
 * one of day-of-month and day-of-week being `?`. Written without the `cron( )` wrapper.
 */
const cronSchema = z
  .string()
  .transform((v) =>
    v
      .trim()
      .replace(/^cron\((.*)\)$/, '$1')
      .trim(),
  )
  .refine((v) => v.split(/\s+/).length === 6, {
    message: 'six fields: minutes hours day-of-month month day-of-week year',
  })
  .refine((v) => v.split(/\s+/).every((f) => /^[0-9A-Za-z*?,\-/#]+$/.test(f)), {
    message: 'unexpected characters in a cron field',
  })
  .refine(
    (v) => {
      const f = v.split(/\s+/);
      return (f[2] === '?') !== (f[4] === '?');
    },
    { message: 'exactly one of day-of-month and day-of-week must be "?"' },
  );

const SUITE_NAME = /^[a-z0-9][a-z0-9-]{0,63}$/;
/** A stored template id; anything else in `templates` is a path (for the local runner). */
export const TEMPLATE_ID = /^[a-z0-9][a-z0-9-]{0,63}$/;

const suiteFields = {
  name: z.string().regex(SUITE_NAME, 'lower-case letters, digits and "-" only, at most 64'),
  description: z.string().default(''),
  /** Where the suite runs; each template must allow it. Defaults to the stack's environment. */
  environment: z.string().min(1).optional(),
  /** sequential (default): one experiment after the other; parallel: all at once. */
  order: z.enum(['sequential', 'parallel']).default('sequential'),
  dryRun: z.boolean().default(false),
  schedule: z
    .object({ cron: cronSchema, timezone: timeZone.default('UTC') })
    .strict()
    .optional(),
  /** Local time window (in `timezone`, else the schedule's, else UTC) in which a due run may start. */
  allowedHours: z
    .object({
      from: clockTime,
      to: clockTime,
      days: z.array(z.enum(WEEKDAYS)).min(1).optional(),
      timezone: timeZone.optional(),
    })
    .strict()
    .optional(),
  blackouts: z
    .array(
      z
        .object({ from: instant, to: instant, reason: z.string().min(1).max(256) })
        .strict()
        .refine((b) => Date.parse(b.from) < Date.parse(b.to), { message: '"from" must be before "to"' }),
    )
    .default([]),
};

/** The suite file: templates by stored id or by path (relative to the suite file). */
export const suiteSchema = z.object({ ...suiteFields, templates: z.array(z.string().min(1)).min(1) }).strict();

/** A template as a due suite carries it: a stored id, or the document itself (local runs). */
export const suiteTemplateSchema = z.union([
  z.string().regex(TEMPLATE_ID, 'a stored template id (paths are resolved by the local runner, never deployed)'),
  z
    .object({
      id: z.string().regex(TEMPLATE_ID),
      source: z.string().optional(),
      template: z.record(z.string(), z.unknown()),
    })
    .strict(),
]);

/** The suite as GameDayDue carries it. */
export const dueSuiteSchema = z.object({ ...suiteFields, templates: z.array(suiteTemplateSchema).min(1) }).strict();
