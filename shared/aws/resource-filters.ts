/**
 * Template filters (`{ path: 'State.Name', values: ['running'] }`) name a field of the resource as
 * the describe API returns it, as AWS FIS filters do. Where a service can filter on its side the
 * resolver asks it to; every filter is also checked here, on what came back.
 */

export interface ResourceFilter {
  path: string;
  values: readonly string[];
}

/** The values at a dotted path; arrays on the way are searched element by element. */
const valuesAtPath = (resource: unknown, path: string): string[] => {
  let current: unknown[] = [resource];
  for (const key of path.split('.')) {
    const next: unknown[] = [];
    for (const value of current) {
      const items = Array.isArray(value) ? value : [value];
      for (const item of items) {
        if (typeof item === 'object' && item !== null && key in item) next.push((item as Record<string, unknown>)[key]);
      }
    }
    current = next;
  }
  return current
    .flatMap((v) => (Array.isArray(v) ? v : [v]))
    .filter((v): v is string | number | boolean => ['string', 'number', 'boolean'].includes(typeof v))
    .map(String);
};

/** Every filter holds: some value at its path is one of its values. A path that is not there never matches. */
export const matchesFilters = (resource: unknown, filters: readonly ResourceFilter[]): boolean =>
  filters.every((f) => valuesAtPath(resource, f.path).some((v) => f.values.includes(v)));

/** Tags as `[{Key, Value}]` (EC2, RDS) into a record. */
export const tagRecord = (tags: readonly { Key?: string; Value?: string }[] | undefined): Record<string, string> =>
  Object.fromEntries((tags ?? []).flatMap((t) => (t.Key !== undefined ? [[t.Key, t.Value ?? '']] : [])));

/** Every wanted tag is present with its value. */
export const hasTags = (tags: Readonly<Record<string, string>>, wanted: Readonly<Record<string, string>>): boolean =>
  Object.entries(wanted).every(([k, v]) => tags[k] === v);
