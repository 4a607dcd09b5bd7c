/**
 * A small JSON Schema draft-4 validator: the keywords the generated public-event schemas use,
 * and no others (an unknown keyword is an error, so a schema can never pass by being ignored).
 */
type Schema = Record<string, unknown>;

const KNOWN = new Set([
  '$schema',
  'title',
  'description',
  'type',
  'enum',
  'properties',
  'required',
  'additionalProperties',
  'items',
  'minLength',
  'maxLength',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'pattern',
  'anyOf',
  'oneOf',
  'allOf',
  'format',
  'minItems',
  'maxItems',
  'default',
]);

const typeMatches = (type: string, value: unknown): boolean => {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'null':
      return value === null;
    case 'array':
      return Array.isArray(value);
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    default:
      throw new Error(`unknown type ${type}`);
  }
};

export const validateDraft4 = (schema: Schema, value: unknown, path = '$'): string[] => {
  for (const key of Object.keys(schema))
    if (!KNOWN.has(key)) throw new Error(`${path}: keyword "${key}" is not supported by this validator`);
  const errors: string[] = [];
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type as string];
    if (!types.some((t) => typeMatches(t, value))) return [`${path}: expected ${types.join(' or ')}`];
  }
  if (schema.enum && !(schema.enum as unknown[]).some((e) => JSON.stringify(e) === JSON.stringify(value)))
    errors.push(`${path}: not one of ${JSON.stringify(schema.enum)}`);
  if (typeof value === 'string') {
    if (typeof schema.minLength === 'number' && value.length < schema.minLength)
      errors.push(`${path}: shorter than ${schema.minLength}`);
    if (typeof schema.maxLength === 'number' && value.length > schema.maxLength)
      errors.push(`${path}: longer than ${schema.maxLength}`);
    if (typeof schema.pattern === 'string' && !new RegExp(schema.pattern, 'u').test(value))
      errors.push(`${path}: does not match ${schema.pattern}`);
    if (schema.format === 'date-time' && Number.isNaN(Date.parse(value))) errors.push(`${path}: not a date-time`);
  }
  if (typeof value === 'number') {
    if (
      typeof schema.minimum === 'number' &&
      (schema.exclusiveMinimum === true ? value <= schema.minimum : value < schema.minimum)
    )
      errors.push(`${path}: below minimum ${schema.minimum}`);
    if (
      typeof schema.maximum === 'number' &&
      (schema.exclusiveMaximum === true ? value >= schema.maximum : value > schema.maximum)
    )
      errors.push(`${path}: above maximum ${schema.maximum}`);
  }
  if (Array.isArray(value)) {
    if (typeof schema.minItems === 'number' && value.length < schema.minItems)
      errors.push(`${path}: fewer than ${schema.minItems} items`);
    if (typeof schema.maxItems === 'number' && value.length > schema.maxItems)
      errors.push(`${path}: more than ${schema.maxItems} items`);
    if (schema.items)
      value.forEach((item, i) => {
        errors.push(...validateDraft4(schema.items as Schema, item, `${path}[${i}]`));
      });
  }
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const obj = value as Record<string, unknown>;
    for (const key of (schema.required as string[] | undefined) ?? [])
      if (!(key in obj)) errors.push(`${path}.${key}: required`);
    const properties = (schema.properties as Record<string, Schema> | undefined) ?? {};
    for (const [key, v] of Object.entries(obj)) {
      if (properties[key]) errors.push(...validateDraft4(properties[key], v, `${path}.${key}`));
      else if (schema.additionalProperties === false) errors.push(`${path}.${key}: not allowed`);
      else if (typeof schema.additionalProperties === 'object')
        errors.push(...validateDraft4(schema.additionalProperties as Schema, v, `${path}.${key}`));
    }
  }
  if (schema.allOf) for (const s of schema.allOf as Schema[]) errors.push(...validateDraft4(s, value, path));
  if (schema.anyOf && !(schema.anyOf as Schema[]).some((s) => validateDraft4(s, value, path).length === 0))
    errors.push(`${path}: matches none of anyOf`);
  if (
    schema.oneOf &&
    (schema.oneOf as Schema[]).filter((s) => validateDraft4(s, value, path).length === 0).length !== 1
  )
    errors.push(`${path}: matches not exactly one of oneOf`);
  return errors;
};
