import { calendarAllows, InvalidSuiteError, parseSuite } from '../../shared/delivery/suite';
import { parseSuiteText } from '../../shared/delivery/suite-file';

const suite = (over: Record<string, unknown> = {}) =>
  parseSuite({ name: 'nightly', templates: ['checkout-instance-loss'], ...over });

describe('game-day suites: calendar', () => {
  it('a blackout window refuses, naming it; its end is outside it', () => {
    const s = suite({
      blackouts: [{ from: '2026-12-21T00:00:00+01:00', to: '2027-01-04T00:00:00+01:00', reason: 'year-end freeze' }],
    });
    expect(calendarAllows(s, new Date('2026-12-24T12:00:00Z'))).toEqual({
      allowed: false,
      reason: 'inside blackout window "year-end freeze" (2026-12-21T00:00:00+01:00 to 2027-01-04T00:00:00+01:00)',
    });
    expect(calendarAllows(s, new Date('2027-01-03T23:00:00Z'))).toEqual({ allowed: true });
    expect(calendarAllows(s, new Date('2026-12-20T22:59:59Z'))).toEqual({ allowed: true });
  });

  it('allowed hours are local to the time zone, may wrap midnight, and name the local time when they refuse', () => {
    const s = suite({
      schedule: { cron: '0 2 ? * MON-FRI *', timezone: 'Europe/Berlin' },
      allowedHours: { from: '22:00', to: '04:00', days: ['MON', 'TUE', 'WED', 'THU', 'FRI'] },
    });
    // 01:30 Berlin on a Tuesday (winter, UTC+1): inside Monday night's window.
    expect(calendarAllows(s, new Date('2026-12-01T00:30:00Z'))).toEqual({ allowed: true });
    expect(calendarAllows(s, new Date('2026-12-01T11:00:00Z'))).toEqual({
      allowed: false,
      reason: 'outside allowed hours 22:00-04:00 Europe/Berlin (it is TUE 12:00)',
    });
    // 01:00 on a Sunday belongs to Saturday night's window: not an allowed day.
    expect(calendarAllows(s, new Date('2026-12-06T00:00:00Z'))).toEqual({
      allowed: false,
      reason: 'not an allowed day (MON, TUE, WED, THU, FRI) in Europe/Berlin (it is SUN 01:00)',
    });
  });

  it('without a time zone, allowed hours are UTC', () => {
    const s = suite({ allowedHours: { from: '09:00', to: '17:00' } });
    expect(calendarAllows(s, new Date('2026-12-01T16:59:00Z'))).toEqual({ allowed: true });
    expect(calendarAllows(s, new Date('2026-12-01T17:00:00Z'))).toMatchObject({ allowed: false });
  });
});

describe('game-day suites: validation', () => {
  it('lists every problem with its path: unknown keys, a bad cron, a bad time zone, an inverted blackout', () => {
    try {
      parseSuiteText(`
name: Nightly
templates: []
schedle: x
schedule: { cron: "0 2 * * MON-FRI *", timezone: Mars/Olympus }
allowedHours: { from: "25:00", to: "04:00" }
blackouts: [{ from: 2027-01-04T00:00:00Z, to: 2026-12-21T00:00:00Z, reason: freeze }]
`);
      throw new Error('no error');
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidSuiteError);
      const paths = (error as InvalidSuiteError).problems.map((p) => p.path).sort();
      expect(paths).toEqual(
        ['', 'allowedHours.from', 'blackouts.0', 'name', 'schedule.cron', 'schedule.timezone', 'templates'].sort(),
      );
    }
  });

  it('accepts the cron with or without cron( ) and keeps six fields', () => {
    expect(suite({ schedule: { cron: 'cron(0 2 ? * MON-FRI *)' } }).schedule).toEqual({
      cron: '0 2 ? * MON-FRI *',
      timezone: 'UTC',
    });
  });
});
