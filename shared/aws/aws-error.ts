/**
 * The SDK's service exceptions are told apart by `name` (the error code AWS returned). Matching on
 * the name rather than `instanceof` also holds when two copies of a client package are bundled.
 */
const awsErrorName = (error: unknown): string | undefined =>
  typeof error === 'object' && error !== null && typeof (error as { name?: unknown }).name === 'string'
    ? (error as { name: string }).name
    : undefined;

export const isAwsError = (error: unknown, ...names: string[]): boolean => {
  const name = awsErrorName(error);
  return name !== undefined && names.includes(name);
};

export const describeError = (error: unknown): string =>
  error instanceof Error ? `${error.name}: ${error.message}` : String(error);

/** Splits a list into chunks of at most `size` (API limits on list parameters). */
export const chunks = <T>(items: readonly T[], size: number): T[][] => {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
};
