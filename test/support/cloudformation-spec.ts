/**
 * Checks a CloudFormation template against the CloudFormation resource specification (the database
 * of @aws-cdk/aws-service-spec): resource types, property names, required properties, property
 * types and allowed values (nested types too), Fn::GetAtt attributes, and the names that Ref,
 * Fn::Sub, Fn::If, Condition and DependsOn point at.
 *
 * Intrinsic functions stand in for the value they produce. A function that produces a string is
 * accepted where any scalar is expected (CloudFormation converts strings to numbers and booleans),
 * one that produces a list where a list is expected; either is an error where an object is
 * expected, and a string is an error where a list is expected (and the other way round).
 * Literal values are checked strictly: a number where a string is expected, or "60" where an
 * integer is expected, is reported.
 */
import { loadAwsServiceSpec } from '@aws-cdk/aws-service-spec';
import type { PropertyType, Resource, ResourceProperties, SpecDatabase } from '@aws-cdk/service-spec-types';

export interface SpecProblem {
  /** The logical id of the resource (or `Outputs.<name>`, `Conditions.<name>`). */
  resource: string;
  /** Where in it, e.g. `Properties.Targets[0].RetryPolicy.MaximumRetryAttempts`. */
  path: string;
  message: string;
}

/** A template as far as the checks read it. */
export interface Template {
  Parameters?: Record<string, { Type?: string }>;
  Conditions?: Record<string, unknown>;
  Mappings?: Record<string, unknown>;
  Resources: Record<string, unknown>;
  Outputs?: Record<string, unknown>;
}

export const loadSpec = (): Promise<SpecDatabase> => loadAwsServiceSpec();

export const formatProblem = (p: SpecProblem): string => `${p.resource} ${p.path}: ${p.message}`;

const PSEUDO_PARAMETERS = new Set([
  'AWS::AccountId',
  'AWS::NotificationARNs',
  'AWS::NoValue',
  'AWS::Partition',
  'AWS::Region',
  'AWS::StackId',
  'AWS::StackName',
  'AWS::URLSuffix',
]);

const RESOURCE_KEYS = new Set([
  'Type',
  'Properties',
  'DependsOn',
  'Condition',
  'DeletionPolicy',
  'UpdateReplacePolicy',
  'Metadata',
  'CreationPolicy',
  'UpdatePolicy',
]);
const DELETION_POLICIES = ['Delete', 'Retain', 'RetainExceptOnCreate', 'Snapshot'];

/** What an intrinsic function evaluates to, as far as a type check can tell. */
type Produces = 'string' | 'list' | 'number' | 'any';

const INTRINSICS: Record<string, Produces> = {
  Ref: 'string',
  'Fn::GetAtt': 'any', // refined from the attribute's type
  'Fn::Sub': 'string',
  'Fn::Join': 'string',
  'Fn::Base64': 'string',
  'Fn::ImportValue': 'string',
  'Fn::ToJsonString': 'string',
  'Fn::Split': 'list',
  'Fn::GetAZs': 'list',
  'Fn::Cidr': 'list',
  'Fn::Length': 'number',
  'Fn::Select': 'any',
  'Fn::FindInMap': 'any',
  'Fn::If': 'any', // checked branch by branch
  'Fn::Transform': 'any',
};

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The name of the intrinsic function `v` is, if it is one (an object with that single key). */
const intrinsicOf = (v: unknown): string | undefined => {
  if (!isObject(v)) return undefined;
  const keys = Object.keys(v);
  return keys.length === 1 && keys[0]! in INTRINSICS ? keys[0] : undefined;
};

const show = (v: unknown): string => {
  const text = JSON.stringify(v) ?? String(v);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
};

const join = (path: string, key: string) => (path ? `${path}.${key}` : key);

const kindOf = (v: unknown): string =>
  v === null ? 'null' : Array.isArray(v) ? 'list' : isObject(v) ? 'object' : typeof v;

export const validateTemplate = (template: Template, db: SpecDatabase): SpecProblem[] => {
  const problems: SpecProblem[] = [];
  const resources = isObject(template.Resources) ? template.Resources : {};
  const parameters = template.Parameters ?? {};
  const conditions = template.Conditions ?? {};

  const specs = new Map<string, Resource | 'custom' | undefined>();
  const specOf = (type: unknown): Resource | 'custom' | undefined => {
    if (typeof type !== 'string') return undefined;
    if (!specs.has(type)) {
      const custom = type.startsWith('Custom::') || type === 'AWS::CloudFormation::CustomResource';
      specs.set(type, custom ? 'custom' : db.lookup('resource', 'cloudFormationType', 'equals', type)[0]);
    }
    return specs.get(type);
  };
  const typeOfResource = (id: string): unknown =>
    isObject(resources[id]) ? (resources[id] as Record<string, unknown>).Type : undefined;

  // ---- names: Ref, Fn::GetAtt, Fn::Sub, Fn::If, Condition, DependsOn ----

  /** The spec type of attribute `attribute` of resource `id`, 'unknown' if the resource has no such attribute. */
  const attributeOf = (id: string, attribute: string): PropertyType | 'unknown' | 'any' => {
    const spec = specOf(typeOfResource(id));
    if (spec === undefined || spec === 'custom') return 'any'; // an unknown type is reported once, as such
    return spec.attributes[attribute]?.type ?? 'unknown';
  };

  const checkRef = (name: unknown, at: (message: string) => void) => {
    if (typeof name !== 'string') return at(`Ref takes a name, got ${show(name)}`);
    if (name in resources || name in parameters || PSEUDO_PARAMETERS.has(name)) return;
    at(`Ref ${name} names no resource, parameter or pseudo parameter`);
  };

  const checkGetAtt = (id: string, attribute: string, at: (message: string) => void, how: string) => {
    if (!(id in resources)) return at(`${how} names resource ${id}, which the template does not have`);
    if (attributeOf(id, attribute) === 'unknown') {
      const spec = specOf(typeOfResource(id)) as Resource;
      at(
        `${how}: ${spec.cloudFormationType} has no attribute ${attribute} (it has ${Object.keys(spec.attributes).sort().join(', ') || 'none'})`,
      );
    }
  };

  /** The resource and attribute an Fn::GetAtt names, if they are literal. */
  const getAttTarget = (args: unknown): [string, string] | undefined => {
    if (typeof args === 'string') {
      const dot = args.indexOf('.');
      return dot > 0 ? [args.slice(0, dot), args.slice(dot + 1)] : undefined;
    }
    if (Array.isArray(args) && args.length === 2 && typeof args[0] === 'string' && typeof args[1] === 'string')
      return [args[0], args[1]];
    return undefined;
  };

  const checkNames = (value: unknown, resource: string, path: string, inConditions = false): void => {
    const at = (message: string) => problems.push({ resource, path, message });
    if (Array.isArray(value)) {
      value.forEach((v, i) => {
        checkNames(v, resource, `${path}[${i}]`, inConditions);
      });
      return;
    }
    if (!isObject(value)) return;
    const fn = intrinsicOf(value);
    const args = fn ? value[fn] : undefined;
    if (fn === 'Ref') checkRef(args, at);
    else if (fn === 'Fn::GetAtt') {
      const target = getAttTarget(args);
      if (target) checkGetAtt(target[0], target[1], at, `Fn::GetAtt ${target.join('.')}`);
      else if (!(Array.isArray(args) && args.length === 2 && typeof args[0] === 'string'))
        at(`Fn::GetAtt takes [resource, attribute], got ${show(args)}`);
      else if (!(args[0] in resources)) at(`Fn::GetAtt names resource ${args[0]}, which the template does not have`);
    } else if (fn === 'Fn::Sub') {
      const [text, variables] = Array.isArray(args) ? [args[0], args[1]] : [args, undefined];
      if (typeof text !== 'string') at(`Fn::Sub takes a string, got ${show(text)}`);
      else {
        const own = isObject(variables) ? variables : {};
        for (const match of text.matchAll(/\$\{([^}]*)\}/g)) {
          const name = match[1]!.trim();
          if (name.startsWith('!') || name in own) continue;
          const dot = name.indexOf('.');
          if (dot > 0 && !name.includes('::'))
            checkGetAtt(name.slice(0, dot), name.slice(dot + 1), at, `Fn::Sub \${${name}}`);
          else if (!(name in resources || name in parameters || PSEUDO_PARAMETERS.has(name)))
            at(`Fn::Sub \${${name}} names no resource, parameter, pseudo parameter or variable`);
        }
      }
    } else if (fn === 'Fn::If') {
      const condition = Array.isArray(args) ? args[0] : undefined;
      if (!Array.isArray(args) || args.length !== 3) at(`Fn::If takes [condition, then, else], got ${show(args)}`);
      else if (typeof condition !== 'string' || !(condition in conditions))
        at(`Fn::If names condition ${show(condition)}, which the template does not have`);
    } else if (inConditions && typeof value.Condition === 'string' && Object.keys(value).length === 1) {
      if (!(value.Condition in conditions)) at(`Condition ${value.Condition} is not a condition of the template`);
    }
    for (const [key, v] of Object.entries(value)) checkNames(v, resource, join(path, key), inConditions);
  };

  // ---- types ----

  const describe = (type: PropertyType): string => {
    switch (type.type) {
      case 'array':
        return `list of ${describe(type.element)}`;
      case 'map':
        return `map of ${describe(type.element)}`;
      case 'union':
        return type.types.map(describe).join(' or ');
      case 'ref':
        return `${db.get('typeDefinition', type.reference).name} (object)`;
      case 'tag':
        return 'tag {Key, Value}';
      case 'json':
        return 'JSON';
      default:
        return type.type;
    }
  };

  const isScalar = (type: PropertyType) => ['string', 'number', 'integer', 'boolean', 'date-time'].includes(type.type);

  /** Problems of `value` as a `type`, at `path` (relative to the resource). */
  const check = (value: unknown, type: PropertyType, path: string): Omit<SpecProblem, 'resource'>[] => {
    const wrong = (message: string) => [{ path, message }];
    if (type.type === 'json') return [];
    const fn = intrinsicOf(value);
    if (fn) {
      const args = (value as Record<string, unknown>)[fn];
      if (fn === 'Ref' && args === 'AWS::NoValue') return [];
      if (fn === 'Fn::If' && Array.isArray(args) && args.length === 3)
        return [...check(args[1], type, `${path}.Fn::If[1]`), ...check(args[2], type, `${path}.Fn::If[2]`)];
      let produces: Produces = INTRINSICS[fn]!;
      if (fn === 'Ref' && typeof args === 'string') {
        const parameterType = parameters[args]?.Type ?? '';
        if (
          args === 'AWS::NotificationARNs' ||
          parameterType.startsWith('List<') ||
          parameterType === 'CommaDelimitedList'
        )
          produces = 'list';
      }
      if (fn === 'Fn::GetAtt') {
        const target = getAttTarget(args);
        const attribute = target ? attributeOf(target[0], target[1]) : 'any';
        if (attribute !== 'any' && attribute !== 'unknown')
          produces = attribute.type === 'array' ? 'list' : isScalar(attribute) ? 'string' : 'any';
      }
      if (produces === 'any') return [];
      const fits = (t: PropertyType): boolean =>
        t.type === 'json' ||
        (t.type === 'union'
          ? t.types.some(fits)
          : t.type === 'array'
            ? produces === 'list'
            : isScalar(t)
              ? produces !== 'list'
              : false);
      return fits(type) ? [] : wrong(`expected ${describe(type)}, got ${fn} (which gives a ${produces})`);
    }
    switch (type.type) {
      case 'string':
      case 'date-time':
        if (typeof value !== 'string') return wrong(`expected ${type.type}, got ${kindOf(value)} ${show(value)}`);
        if (type.type === 'string' && type.allowedValues && !type.allowedValues.includes(value))
          return wrong(`${show(value)} is not one of ${type.allowedValues.join(' | ')}`);
        return [];
      case 'number':
        return typeof value === 'number' ? [] : wrong(`expected number, got ${kindOf(value)} ${show(value)}`);
      case 'integer':
        if (typeof value !== 'number' || !Number.isInteger(value))
          return wrong(`expected integer, got ${kindOf(value)} ${show(value)}`);
        if (type.allowedValues && !type.allowedValues.includes(value))
          return wrong(`${value} is not one of ${type.allowedValues.join(' | ')}`);
        return [];
      case 'boolean':
        return typeof value === 'boolean' ? [] : wrong(`expected boolean, got ${kindOf(value)} ${show(value)}`);
      case 'null':
        return value === null ? [] : wrong(`expected null, got ${show(value)}`);
      case 'array':
        if (!Array.isArray(value)) return wrong(`expected ${describe(type)}, got ${kindOf(value)} ${show(value)}`);
        return value.flatMap((v, i) => check(v, type.element, `${path}[${i}]`));
      case 'map':
        if (!isObject(value)) return wrong(`expected ${describe(type)}, got ${kindOf(value)} ${show(value)}`);
        return Object.entries(value).flatMap(([k, v]) => check(v, type.element, `${path}.${k}`));
      case 'tag':
        return checkObject(value, TAG, path, 'tag');
      case 'ref': {
        const definition = db.get('typeDefinition', type.reference);
        return checkObject(value, definition.properties, path, definition.name);
      }
      case 'union': {
        const outcomes = type.types.map((t) => check(value, t, path));
        if (outcomes.some((o) => o.length === 0)) return [];
        // None fits: report against the member of the same shape (a list for a list, an object
        // for an object), so that a typo inside a structure is named, not just "no member fits".
        const shapeOf = (t: PropertyType) =>
          t.type === 'array' ? 'list' : t.type === 'ref' || t.type === 'map' || t.type === 'tag' ? 'object' : 'scalar';
        const valueShape = Array.isArray(value) ? 'list' : isObject(value) ? 'object' : 'scalar';
        const same = type.types.findIndex((t) => t.type !== 'json' && shapeOf(t) === valueShape);
        return same >= 0 ? outcomes[same]! : wrong(`expected ${describe(type)}, got ${kindOf(value)} ${show(value)}`);
      }
      default:
        return [];
    }
  };

  const TAG: ResourceProperties = {
    Key: { type: { type: 'string' }, required: true },
    Value: { type: { type: 'string' }, required: true },
  };

  const checkObject = (
    value: unknown,
    properties: ResourceProperties,
    path: string,
    name: string,
  ): Omit<SpecProblem, 'resource'>[] => {
    if (!isObject(value)) return [{ path, message: `expected ${name} (object), got ${kindOf(value)} ${show(value)}` }];
    const found: Omit<SpecProblem, 'resource'>[] = [];
    for (const [key, property] of Object.entries(properties)) {
      if (property.required && !(key in value))
        found.push({ path: `${path}.${key}`, message: `required property ${key} of ${name} is missing` });
    }
    for (const [key, v] of Object.entries(value)) {
      const property = properties[key];
      if (!property) {
        const near = Object.keys(properties).find((k) => k.toLowerCase() === key.toLowerCase());
        found.push({
          path: `${path}.${key}`,
          message: `unknown property ${key} of ${name}${near ? ` (did you mean ${near}?)` : ''}`,
        });
      } else found.push(...check(v, property.type, `${path}.${key}`));
    }
    return found;
  };

  // ---- the template ----

  for (const [id, entry] of Object.entries(resources)) {
    const at = (path: string, message: string) => problems.push({ resource: id, path, message });
    if (!isObject(entry)) {
      at('', `a resource must be an object, got ${show(entry)}`);
      continue;
    }
    for (const key of Object.keys(entry)) if (!RESOURCE_KEYS.has(key)) at(key, `unknown resource attribute ${key}`);
    const spec = specOf(entry.Type);
    if (spec === undefined) at('Type', `unknown resource type ${show(entry.Type)}`);
    else if (spec !== 'custom') {
      if (entry.Properties !== undefined && !isObject(entry.Properties))
        at('Properties', `Properties must be an object, got ${show(entry.Properties)}`);
      else
        problems.push(
          ...checkObject(entry.Properties ?? {}, spec.properties, 'Properties', spec.cloudFormationType).map((p) => ({
            resource: id,
            ...p,
          })),
        );
    }
    if (entry.DependsOn !== undefined) {
      const names = Array.isArray(entry.DependsOn) ? entry.DependsOn : [entry.DependsOn];
      names.forEach((name, i) => {
        const path = Array.isArray(entry.DependsOn) ? `DependsOn[${i}]` : 'DependsOn';
        if (typeof name !== 'string' || !(name in resources))
          at(path, `DependsOn names ${show(name)}, which is not a resource of the template`);
        else if (name === id) at(path, 'a resource cannot depend on itself');
      });
    }
    if (entry.Condition !== undefined && !(typeof entry.Condition === 'string' && entry.Condition in conditions)) {
      at('Condition', `Condition ${show(entry.Condition)} is not a condition of the template`);
    }
    for (const key of ['DeletionPolicy', 'UpdateReplacePolicy']) {
      if (entry[key] !== undefined && !DELETION_POLICIES.includes(entry[key] as string))
        at(key, `${show(entry[key])} is not one of ${DELETION_POLICIES.join(' | ')}`);
    }
    checkNames(entry.Properties, id, 'Properties');
  }
  for (const [name, output] of Object.entries(template.Outputs ?? {})) {
    checkNames(output, `Outputs.${name}`, '');
    const condition = isObject(output) ? output.Condition : undefined;
    if (condition !== undefined && !(typeof condition === 'string' && condition in conditions)) {
      problems.push({
        resource: `Outputs.${name}`,
        path: 'Condition',
        message: `Condition ${show(condition)} is not a condition of the template`,
      });
    }
  }
  for (const [name, condition] of Object.entries(conditions)) checkNames(condition, `Conditions.${name}`, '', true);
  return problems;
};
