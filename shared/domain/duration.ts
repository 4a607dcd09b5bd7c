/**
 * ISO-8601 durations limited to what experiment timing needs: days, hours, minutes and
 * (fractional) seconds, e.g. `PT5M`, `PT1.5S`, `P1DT2H`. Years, months and weeks are refused
 * because their length in seconds is not fixed.
 */
const ISO_DURATION = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

export const parseDurationMs = (value: string): number | undefined => {
  const match = ISO_DURATION.exec(value);
  if (!match || value === 'P' || value.endsWith('T')) return undefined;
  const [, d, h, m, s] = match;
  return (
    Number(d ?? 0) * 86_400_000 +
    Number(h ?? 0) * 3_600_000 +
    Number(m ?? 0) * 60_000 +
    Math.round(Number(s ?? 0) * 1000)
  );
};
