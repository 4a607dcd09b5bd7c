import type * as z from 'zod';
import { FaultlineError, formatProblems, type Problem } from '../errors';
import { problemsFrom } from '../problems';
import { WEEKDAYS, suiteSchema, type suiteTemplateSchema, type dueSuiteSchema, type Weekday } from '../../events/suite';

export { TEMPLATE_ID, suiteSchema, suiteTemplateSchema, dueSuiteSchema } from '../../events/suite';

export type Suite = z.output<typeof suiteSchema>;
export type DueSuite = z.output<typeof dueSuiteSchema>;
export type SuiteTemplate = z.output<typeof suiteTemplateSchema>;

/** A suite that does not satisfy the model; lists every problem. */
export class InvalidSuiteError extends FaultlineError {
  constructor(
    readonly problems: readonly Problem[],
    options?: { cause?: unknown },
  ) {
    super(`invalid game-day suite: ${formatProblems(problems)}`, options);
  }
}

export const parseSuite = (candidate: unknown): Suite => {
  const result = suiteSchema.safeParse(candidate);
  if (!result.success) throw new InvalidSuiteError(problemsFrom(result.error));
  return result.data;
};

/** The id of each template of a due suite. */
export const templateIdOf = (t: SuiteTemplate): string => (typeof t === 'string' ? t : t.id);

// ---- calendar ----------------------------------------------------------------------------

type CalendarAnswer = { allowed: true } | { allowed: false; reason: string };

const localTime = (at: Date, timeZone: string): { day: Weekday; minutes: number } => {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    weekday: 'short',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(at);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  const day = get('weekday').toUpperCase().slice(0, 3) as Weekday;
  return { day, minutes: (Number(get('hour')) % 24) * 60 + Number(get('minute')) };
};

const minutesOf = (hhmm: string): number => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/**
 * Whether a suite may start at `at`: never inside a blackout window, and only inside its allowed
 * hours (a window may wrap midnight: 22:00-04:00). The answer names the reason when it refuses.
 */
export const calendarAllows = (
  suite: Pick<DueSuite, 'allowedHours' | 'blackouts' | 'schedule'>,
  at: Date,
): CalendarAnswer => {
  const t = at.getTime();
  for (const b of suite.blackouts) {
    if (t >= Date.parse(b.from) && t < Date.parse(b.to)) {
      return { allowed: false, reason: `inside blackout window "${b.reason}" (${b.from} to ${b.to})` };
    }
  }
  const hours = suite.allowedHours;
  if (hours) {
    const tz = hours.timezone ?? suite.schedule?.timezone ?? 'UTC';
    const local = localTime(at, tz);
    const from = minutesOf(hours.from);
    const to = minutesOf(hours.to);
    const inWindow =
      from <= to ? local.minutes >= from && local.minutes < to : local.minutes >= from || local.minutes < to;
    // For a window that wraps midnight, the early-morning part belongs to the previous day's window.
    const windowDay = from > to && local.minutes < to ? WEEKDAYS[(WEEKDAYS.indexOf(local.day) + 6) % 7]! : local.day;
    const hh = String(Math.floor(local.minutes / 60)).padStart(2, '0');
    const mm = String(local.minutes % 60).padStart(2, '0');
    if (!inWindow)
      return {
        allowed: false,
        reason: `outside allowed hours ${hours.from}-${hours.to} ${tz} (it is ${local.day} ${hh}:${mm})`,
      };
    if (hours.days && !hours.days.includes(windowDay)) {
      return {
        allowed: false,
        reason: `not an allowed day (${hours.days.join(', ')}) in ${tz} (it is ${local.day} ${hh}:${mm})`,
      };
    }
  }
  return { allowed: true };
};
