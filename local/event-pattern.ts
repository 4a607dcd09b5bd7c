/**
 * EventBridge event pattern matching, for running rules locally without a round trip to
 * `TestEventPattern`.
 *
 * Sources of truth, in this order: the EventBridge user guide ("Amazon EventBridge event
 * patterns", "Content filtering in Amazon EventBridge event patterns", "Comparison operators")
 * and, where the guide is silent, the behaviour of aws/event-ruler, the engine EventBridge runs.
 * Limits that come from the engine (numbers within ±5e9 with at most six decimals, IPv4 masks
 * below /32, `$or` needing two branches) are enforced so that a pattern accepted here is not
 * refused on deploy.
 */

/** A literal a pattern leaf can list: compared by JSON type and value. */
type EventPatternLiteral = string | number | boolean | null;

/** The string operand of `prefix` / `suffix`, plain or case-insensitive. */
type EventPatternAffix = string | { readonly 'equals-ignore-case': string };

/** What `anything-but` may exclude. Lists must be all strings or all numbers. */
type EventPatternAnythingBut =
  | string
  | number
  | readonly string[]
  | readonly number[]
  | { readonly prefix: string | readonly string[] }
  | { readonly suffix: string | readonly string[] }
  | { readonly 'equals-ignore-case': string | readonly string[] }
  | { readonly wildcard: string | readonly string[] };

/** One comparison, or a lower bound followed by an upper bound. */
type EventPatternNumeric =
  | readonly ['=' | '<' | '<=' | '>' | '>=', number]
  | readonly ['>' | '>=', number, '<' | '<=', number];

/** A content-filter operator; each object carries exactly one of these keys. */
type EventPatternOperator =
  | { readonly prefix: EventPatternAffix }
  | { readonly suffix: EventPatternAffix }
  | { readonly 'equals-ignore-case': string }
  | { readonly wildcard: string }
  | { readonly 'anything-but': EventPatternAnythingBut }
  | { readonly numeric: EventPatternNumeric }
  | { readonly exists: boolean }
  | { readonly cidr: string };

/** One alternative of a leaf: the leaf matches when any alternative does. */
type EventPatternMatcher = EventPatternLiteral | EventPatternOperator;

/** A field of a pattern: a leaf (list of alternatives), a nested pattern, or `$or` branches. */
export type EventPatternField = readonly EventPatternMatcher[] | EventPattern | readonly EventPattern[];

/**
 * An EventBridge event pattern. Fields are ANDed; a leaf is always an array of alternatives
 * (ORed); the key `$or` holds an array of at least two sub-patterns evaluated at that level.
 */
export interface EventPattern {
  readonly [field: string]: EventPatternField;
}

/**
 * Thrown by {@link matchesPattern} when the pattern itself is invalid (never for an event that
 * merely does not match). Lists every problem, each prefixed by its path in the pattern.
 */
export class InvalidEventPatternError extends Error {
  readonly problems: readonly string[];

  constructor(problems: readonly string[], options?: { cause?: unknown }) {
    super(`invalid event pattern: ${problems.join('; ')}`, options);
    this.name = 'InvalidEventPatternError';
    this.problems = problems;
  }
}

/**
 * Lists every problem of a pattern as `path: message` (path `(root)` for the pattern itself);
 * empty when EventBridge would accept it. A string is read as the pattern's JSON text.
 */
export const validatePattern = (pattern: unknown): string[] => analyse(pattern).problems;

/**
 * True when `event` matches `pattern` the way an EventBridge rule would select it. A string
 * pattern is read as JSON text (so a repeated key keeps its last value, as EventBridge does);
 * the event is taken as an already parsed value.
 *
 * @throws InvalidEventPatternError when the pattern is invalid.
 */
export const matchesPattern = (pattern: unknown, event: unknown): boolean => {
  const { problems, branches, cause } = analyse(pattern);
  if (problems.length > 0) throw new InvalidEventPatternError(problems, cause === undefined ? undefined : { cause });
  return branches.some((branch) => {
    const outcome = evaluateObject(branch, event);
    return outcome.positive || outcome.absent;
  });
};

// ---------------------------------------------------------------------------------------------
// Compiled form

type Leaf = string | number | boolean | null;

/** One alternative of a leaf, other than `exists`, which needs to see absence too. */
type Test = (value: Leaf) => boolean;

interface LeafRule {
  readonly tests: readonly Test[];
  readonly existsTrue: boolean;
  readonly existsFalse: boolean;
}

/**
 * A pattern level with its `$or`s expanded away. A key may hold both a leaf and a nested object
 * because `$or` branches can name `a` and `a.b` separately and the engine keeps both.
 */
interface Node {
  readonly leaves: Map<string, LeafRule>;
  readonly children: Map<string, Node>;
}

interface Analysis {
  problems: string[];
  /** `$or`-free alternatives; the pattern matches when any of them does. */
  branches: Node[];
  cause?: unknown;
}

/**
 * Engine keywords that may not name a field inside `$or`, so that an operator object put one
 * level too high is reported instead of being read as a field name.
 */
const RESERVED_IN_OR = new Set([
  'exactly',
  'equals-ignore-case',
  'prefix',
  'suffix',
  'anything-but',
  'exists',
  'wildcard',
  'numeric',
  'cidr',
  'html',
  '=',
  '<',
  '<=',
  '>',
  '>=',
  'regex',
  'not-wildcard',
  'not-equals-ignore-case',
  'date-after',
  'date-on-or-after',
  'date-before',
  'date-on-or-before',
  'in-date-range',
  'ip-address-in-range',
  'ip-address-not-in-range',
]);

/** The engine turns numbers into fixed-width strings; outside this band they do not compare. */
const NUMBER_LIMIT = 5e9;
const MAX_DECIMALS = 6;

const analyse = (input: unknown): Analysis => {
  let pattern = input;
  if (typeof input === 'string') {
    try {
      pattern = JSON.parse(input) as unknown;
    } catch (error) {
      return { problems: [problem('', `not valid JSON (${(error as Error).message})`)], branches: [], cause: error };
    }
  }
  const problems: string[] = [];
  if (!isRecord(pattern)) {
    problems.push(problem('', 'an event pattern must be a JSON object'));
    return { problems, branches: [] };
  }
  const branches = compileObject(pattern, '', false, problems);
  return { problems, branches: problems.length > 0 ? [] : branches };
};

const emptyNode = (): Node => ({ leaves: new Map(), children: new Map() });

const cloneNode = (node: Node): Node => ({
  leaves: new Map(node.leaves),
  children: new Map([...node.children].map(([key, child]) => [key, cloneNode(child)])),
});

/** Later wins on the same leaf, matching the engine, which keeps the last value put for a path. */
const mergeNodes = (base: Node, extra: Node): Node => {
  const merged = cloneNode(base);
  for (const [key, leaf] of extra.leaves) merged.leaves.set(key, leaf);
  for (const [key, child] of extra.children) {
    const existing = merged.children.get(key);
    merged.children.set(key, existing ? mergeNodes(existing, child) : cloneNode(child));
  }
  return merged;
};

/**
 * Validates one pattern object and expands it into `$or`-free alternatives. `$or` is lifted to
 * the top rather than evaluated in place because the engine does the same: each combination is a
 * separate sub-rule, which decides which array element a nested branch may be matched in.
 */
const compileObject = (
  pattern: Record<string, unknown>,
  path: string,
  insideOr: boolean,
  problems: string[],
): Node[] => {
  const keys = Object.keys(pattern);
  if (keys.length === 0) problems.push(problem(path, 'empty objects are not allowed'));
  let alternatives: Node[] = [emptyNode()];

  for (const key of keys) {
    const value = pattern[key];
    const fieldPath = joinKey(path, key);

    if (key === '$or') {
      const branches = compileOr(value, fieldPath, problems);
      alternatives = alternatives.flatMap((alternative) => branches.map((branch) => mergeNodes(alternative, branch)));
      continue;
    }
    if (insideOr && RESERVED_IN_OR.has(key)) {
      problems.push(problem(fieldPath, `"${key}" is a reserved keyword and cannot name a field inside $or`));
      continue;
    }
    if (Array.isArray(value)) {
      const leaf = compileLeaf(value, fieldPath, problems);
      for (const alternative of alternatives) alternative.leaves.set(key, leaf);
    } else if (isRecord(value)) {
      const children = compileObject(value, fieldPath, insideOr, problems);
      alternatives = alternatives.flatMap((alternative) =>
        children.map((child) => {
          const next = cloneNode(alternative);
          const existing = next.children.get(key);
          next.children.set(key, existing ? mergeNodes(existing, child) : child);
          return next;
        }),
      );
    } else {
      problems.push(problem(fieldPath, misplacedValueMessage(key, value)));
    }
  }
  return alternatives;
};

const compileOr = (value: unknown, path: string, problems: string[]): Node[] => {
  if (!Array.isArray(value)) {
    problems.push(problem(path, `$or must be an array of at least two objects, got ${describe(value)}`));
    return [emptyNode()];
  }
  if (value.length < 2) problems.push(problem(path, `$or must hold at least two objects, got ${value.length}`));
  const branches: Node[] = [];
  value.forEach((branch: unknown, index) => {
    const branchPath = `${path}[${index}]`;
    if (!isRecord(branch)) {
      problems.push(problem(branchPath, `each $or entry must be an object, got ${describe(branch)}`));
      return;
    }
    branches.push(...compileObject(branch, branchPath, true, problems));
  });
  return branches.length > 0 ? branches : [emptyNode()];
};

const compileLeaf = (alternatives: readonly unknown[], path: string, problems: string[]): LeafRule => {
  if (alternatives.length === 0)
    problems.push(problem(path, 'empty arrays are not allowed; list at least one match value'));
  const tests: Test[] = [];
  let existsTrue = false;
  let existsFalse = false;

  alternatives.forEach((alternative, index) => {
    const itemPath = `${path}[${index}]`;
    if (alternative === null || typeof alternative === 'string' || typeof alternative === 'boolean') {
      tests.push(literalTest(alternative));
    } else if (typeof alternative === 'number') {
      if (Number.isFinite(alternative)) tests.push(literalTest(alternative));
      else problems.push(problem(itemPath, 'numbers must be finite'));
    } else if (Array.isArray(alternative)) {
      problems.push(problem(itemPath, 'nested arrays are not allowed in a list of match values'));
    } else if (isRecord(alternative)) {
      const compiled = compileOperator(alternative, itemPath, problems);
      if (compiled === 'exists-true') existsTrue = true;
      else if (compiled === 'exists-false') existsFalse = true;
      else if (compiled) tests.push(compiled);
    } else {
      problems.push(
        problem(
          itemPath,
          `a match value must be a string, number, boolean, null or operator object, got ${describe(alternative)}`,
        ),
      );
    }
  });
  return { tests, existsTrue, existsFalse };
};

const literalTest = (expected: Leaf): Test => {
  if (typeof expected === 'string') {
    // The engine turns a string that is an IP address into a one-address range, so differently
    // written forms of the same IPv6 address still match each other.
    const ip = parseIp(expected);
    if (ip) return (value) => typeof value === 'string' && (value === expected || sameBytes(parseIp(value), ip));
  }
  return (value) => value === expected;
};

type CompiledOperator = Test | 'exists-true' | 'exists-false' | undefined;

const compileOperator = (operator: Record<string, unknown>, path: string, problems: string[]): CompiledOperator => {
  const keys = Object.keys(operator);
  if (keys.length !== 1) {
    problems.push(
      problem(
        path,
        keys.length === 0
          ? 'empty operator object'
          : `an operator object holds exactly one operator, got ${keys.join(', ')}`,
      ),
    );
    return undefined;
  }
  const name = keys[0] as string;
  const operand = operator[name];
  const operandPath = joinKey(path, name);
  const fail = (message: string): undefined => {
    problems.push(problem(operandPath, message));
    return undefined;
  };

  switch (name) {
    case 'prefix':
    case 'suffix': {
      const affix = readAffix(operand, operandPath, problems);
      if (!affix) return undefined;
      const { text, ignoreCase } = affix;
      if (name === 'prefix') {
        return ignoreCase
          ? (value) => typeof value === 'string' && fold(value).startsWith(fold(text))
          : (value) => typeof value === 'string' && value.startsWith(text);
      }
      return ignoreCase
        ? (value) => typeof value === 'string' && fold(value).endsWith(fold(text))
        : (value) => typeof value === 'string' && value.endsWith(text);
    }
    case 'equals-ignore-case': {
      if (typeof operand !== 'string') return fail(`must be a string, got ${describe(operand)}`);
      return (value) => typeof value === 'string' && fold(value) === fold(operand);
    }
    case 'wildcard': {
      if (typeof operand !== 'string') return fail(`must be a string, got ${describe(operand)}`);
      const wildcard = parseWildcard(operand);
      if (typeof wildcard === 'string') return fail(wildcard);
      return (value) => typeof value === 'string' && matchWildcard(value, wildcard);
    }
    case 'anything-but':
      return compileAnythingBut(operand, operandPath, problems);
    case 'numeric':
      return compileNumeric(operand, operandPath, problems);
    case 'exists':
      if (typeof operand !== 'boolean') return fail(`must be true or false, got ${describe(operand)}`);
      return operand ? 'exists-true' : 'exists-false';
    case 'cidr': {
      if (typeof operand !== 'string') return fail(`must be a string such as "10.0.0.0/24", got ${describe(operand)}`);
      const range = parseCidr(operand);
      if (typeof range === 'string') return fail(range);
      return (value) => {
        if (typeof value !== 'string') return false;
        const ip = parseIp(value);
        return (
          ip !== undefined &&
          ip.length === range.low.length &&
          compareBytes(ip, range.low) >= 0 &&
          compareBytes(ip, range.high) <= 0
        );
      };
    }
    default:
      return fail(`unknown operator "${name}"`);
  }
};

const readAffix = (
  operand: unknown,
  path: string,
  problems: string[],
): { text: string; ignoreCase: boolean } | undefined => {
  if (typeof operand === 'string') return { text: operand, ignoreCase: false };
  if (isRecord(operand)) {
    const keys = Object.keys(operand);
    const text = operand['equals-ignore-case'];
    if (keys.length === 1 && typeof text === 'string') return { text, ignoreCase: true };
    if (keys.length === 1 && keys[0] === 'equals-ignore-case') {
      problems.push(problem(joinKey(path, 'equals-ignore-case'), `must be a string, got ${describe(text)}`));
      return undefined;
    }
    problems.push(
      problem(
        path,
        `only {"equals-ignore-case": "..."} may qualify this operator, got ${keys.join(', ') || 'an empty object'}`,
      ),
    );
    return undefined;
  }
  problems.push(problem(path, `must be a string or {"equals-ignore-case": "..."}, got ${describe(operand)}`));
  return undefined;
};

/**
 * Every `anything-but` form matches values of another JSON type (a number is "anything but" a
 * string); only `numeric`-style exclusions look at numbers. A missing field never matches,
 * because the test runs per value and an absent field has none.
 */
const compileAnythingBut = (operand: unknown, path: string, problems: string[]): Test | undefined => {
  const fail = (message: string, at = path): undefined => {
    problems.push(problem(at, message));
    return undefined;
  };

  if (typeof operand === 'string') return (value) => value !== operand;
  if (typeof operand === 'number') {
    const reason = numberProblem(operand);
    if (reason) return fail(reason);
    return (value) => !(typeof value === 'number' && isComparable(value) && value === operand);
  }
  if (Array.isArray(operand)) {
    if (operand.length === 0) return fail('anything-but list must not be empty');
    if (operand.every((item) => typeof item === 'string')) {
      const excluded = new Set<string>(operand as string[]);
      return (value) => typeof value !== 'string' || !excluded.has(value);
    }
    if (operand.every((item) => typeof item === 'number')) {
      const reasons = (operand as number[])
        .map((item, index) => [index, numberProblem(item)] as const)
        .filter(([, reason]) => reason);
      if (reasons.length > 0) {
        for (const [index, reason] of reasons) problems.push(problem(`${path}[${index}]`, reason as string));
        return undefined;
      }
      const excluded = new Set<number>(operand as number[]);
      return (value) => !(typeof value === 'number' && isComparable(value) && excluded.has(value));
    }
    return fail('anything-but list must hold only strings or only numbers (no mix, null or booleans)');
  }
  if (!isRecord(operand))
    return fail(`must be a string, a number, a list of either, or an object, got ${describe(operand)}`);

  const keys = Object.keys(operand);
  if (keys.length !== 1) {
    return fail(
      `anything-but object holds exactly one of prefix, suffix, equals-ignore-case, wildcard; got ${keys.join(', ') || 'none'}`,
    );
  }
  const kind = keys[0] as string;
  const kindPath = joinKey(path, kind);
  if (!['prefix', 'suffix', 'equals-ignore-case', 'wildcard'].includes(kind)) {
    return fail(
      `anything-but does not support "${kind}"; use prefix, suffix, equals-ignore-case or wildcard`,
      kindPath,
    );
  }
  const raw = operand[kind];
  const list = typeof raw === 'string' ? [raw] : Array.isArray(raw) ? (raw as unknown[]) : undefined;
  if (!list) return fail(`must be a string or a list of strings, got ${describe(raw)}`, kindPath);
  if (list.length === 0) return fail('list must not be empty', kindPath);

  const texts: string[] = [];
  const wildcards: string[][] = [];
  let valid = true;
  list.forEach((item, index) => {
    const itemPath = typeof raw === 'string' ? kindPath : `${kindPath}[${index}]`;
    if (typeof item !== 'string') {
      valid = false;
      problems.push(problem(itemPath, `must be a string, got ${describe(item)}`));
      return;
    }
    if ((kind === 'prefix' || kind === 'suffix') && item === '') {
      valid = false;
      problems.push(problem(itemPath, `an empty ${kind} is not allowed in anything-but`));
      return;
    }
    if (kind === 'wildcard') {
      const parsed = parseWildcard(item);
      if (typeof parsed === 'string') {
        valid = false;
        problems.push(problem(itemPath, parsed));
        return;
      }
      wildcards.push(parsed);
    }
    texts.push(item);
  });
  if (!valid) return undefined;

  switch (kind) {
    case 'prefix':
      return (value) => typeof value !== 'string' || !texts.some((text) => value.startsWith(text));
    case 'suffix':
      return (value) => typeof value !== 'string' || !texts.some((text) => value.endsWith(text));
    case 'equals-ignore-case': {
      const folded = new Set(texts.map(fold));
      return (value) => typeof value !== 'string' || !folded.has(fold(value));
    }
    default:
      return (value) => typeof value !== 'string' || !wildcards.some((wildcard) => matchWildcard(value, wildcard));
  }
};

const LOWER_BOUNDS = new Set(['>', '>=']);
const UPPER_BOUNDS = new Set(['<', '<=']);

const compileNumeric = (operand: unknown, path: string, problems: string[]): Test | undefined => {
  const fail = (message: string): undefined => {
    problems.push(problem(path, message));
    return undefined;
  };
  if (!Array.isArray(operand)) return fail(`must be an array such as [">", 0, "<=", 5], got ${describe(operand)}`);
  if (operand.length !== 2 && operand.length !== 4) {
    return fail(
      `must hold one comparison [op, number] or two [">"|">=", low, "<"|"<=", high], got ${operand.length} items`,
    );
  }

  const comparisons: Array<{ op: string; bound: number }> = [];
  let valid = true;
  for (let index = 0; index < operand.length; index += 2) {
    const op: unknown = operand[index];
    const bound: unknown = operand[index + 1];
    if (typeof op !== 'string' || !['=', '<', '<=', '>', '>='].includes(op)) {
      valid = false;
      problems.push(problem(`${path}[${index}]`, `unknown numeric operator ${describe(op)}; use =, <, <=, > or >=`));
    }
    if (typeof bound !== 'number') {
      valid = false;
      problems.push(problem(`${path}[${index + 1}]`, `must be a number, got ${describe(bound)}`));
    } else {
      const reason = numberProblem(bound);
      if (reason) {
        valid = false;
        problems.push(problem(`${path}[${index + 1}]`, reason));
      }
    }
    if (valid) comparisons.push({ op: op as string, bound: bound as number });
  }
  if (!valid) return undefined;

  const [first, second] = comparisons as [{ op: string; bound: number }, { op: string; bound: number } | undefined];
  if (second) {
    // The engine only reads a range as lower bound then upper bound; "=" cannot take part.
    if (!LOWER_BOUNDS.has(first.op) || !UPPER_BOUNDS.has(second.op)) {
      return fail('a range must be a lower bound (> or >=) followed by an upper bound (< or <=)');
    }
    if (!(first.bound < second.bound))
      return fail(`the lower bound ${first.bound} must be less than the upper bound ${second.bound}`);
  }
  return (value) =>
    typeof value === 'number' && isComparable(value) && comparisons.every(({ op, bound }) => compare(op, value, bound));
};

const compare = (op: string, value: number, bound: number): boolean => {
  switch (op) {
    case '=':
      return value === bound;
    case '<':
      return value < bound;
    case '<=':
      return value <= bound;
    case '>':
      return value > bound;
    default:
      return value >= bound;
  }
};

const isComparable = (value: number): boolean => Number.isFinite(value) && Math.abs(value) <= NUMBER_LIMIT;

/** Why a number cannot be an operand of `numeric` / `anything-but`; undefined when it can. */
const numberProblem = (value: number): string | undefined => {
  if (!Number.isFinite(value)) return 'numbers must be finite';
  if (Math.abs(value) > NUMBER_LIMIT) return `${value} is outside the supported range -5e9 to 5e9`;
  if (decimalPlaces(value) > MAX_DECIMALS)
    return `${value} has more than ${MAX_DECIMALS} digits after the decimal point`;
  return undefined;
};

const decimalPlaces = (value: number): number => {
  const [mantissa = '', exponent] = Math.abs(value).toString().split('e');
  const fraction = mantissa.split('.')[1]?.length ?? 0;
  return Math.max(0, fraction - Number(exponent ?? 0));
};

// ---------------------------------------------------------------------------------------------
// Wildcards

/** Literal runs between unescaped `*`s, or the reason the wildcard is refused. */
const parseWildcard = (pattern: string): string[] | string => {
  const segments: string[] = [];
  let current = '';
  for (let index = 0; index < pattern.length; index += 1) {
    const char = pattern[index];
    if (char === '*') {
      if (pattern[index + 1] === '*') return `consecutive wildcard characters at position ${index}`;
      segments.push(current);
      current = '';
    } else if (char === '\\') {
      const next = pattern[index + 1];
      if (next !== '*' && next !== '\\') return `invalid escape at position ${index}; only \\* and \\\\ are allowed`;
      current += next;
      index += 1;
    } else {
      current += char;
    }
  }
  segments.push(current);
  return segments;
};

/** Leftmost-first placement of the middle runs is enough because `*` is the only metacharacter. */
const matchWildcard = (value: string, segments: readonly string[]): boolean => {
  const first = segments[0] ?? '';
  if (segments.length === 1) return value === first;
  const last = segments[segments.length - 1] ?? '';
  if (value.length < first.length + last.length || !value.startsWith(first) || !value.endsWith(last)) return false;
  const end = value.length - last.length;
  let position = first.length;
  for (const segment of segments.slice(1, -1)) {
    const found = value.indexOf(segment, position);
    if (found < 0 || found + segment.length > end) return false;
    position = found + segment.length;
  }
  return true;
};

// ---------------------------------------------------------------------------------------------
// IP addresses

const IPV4_SHAPE = /^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$/;
// Dotted-quad tails and zone ids are deliberately outside the shape: the engine does not treat
// such strings as addresses either.
const IPV6_SHAPE = /^[0-9a-fA-F:]*:[0-9a-fA-F:]*$/;

/** 4 or 16 bytes; IPv4-mapped IPv6 comes back as IPv4, as the JVM resolver underneath does. */
const parseIp = (text: string): number[] | undefined => {
  if (IPV4_SHAPE.test(text)) {
    const octets = text.split('.').map(Number);
    return octets.every((octet) => octet <= 255) ? octets : undefined;
  }
  if (!IPV6_SHAPE.test(text)) return undefined;

  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groupsOf = (part: string | undefined): string[] | undefined => (part ? part.split(':') : []);
  const head = groupsOf(halves[0]);
  const tail = groupsOf(halves[1]);
  if (!head || !tail) return undefined;
  const groups = [...head, ...tail];
  if (groups.some((group) => !/^[0-9a-fA-F]{1,4}$/.test(group))) return undefined;
  if (halves.length === 2 ? groups.length > 7 : groups.length !== 8) return undefined;

  const words = [...head, ...Array<string>(8 - groups.length).fill('0'), ...tail].map((group) => parseInt(group, 16));
  const bytes = words.flatMap((word) => [word >> 8, word & 0xff]);
  const mapped = bytes.slice(0, 10).every((byte) => byte === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
  return mapped ? bytes.slice(12) : bytes;
};

/**
 * The range the engine builds: from the address as written up to the address with every host
 * bit set. The low end is not masked, so "10.0.0.5/24" starts at .5; canonical CIDRs are
 * unaffected. The engine also refuses /32 and /128.
 */
const parseCidr = (text: string): { low: number[]; high: number[] } | string => {
  const parts = text.split('/');
  if (parts.length !== 2) return `malformed CIDR "${text}": exactly one "/" is required`;
  const [address = '', bits = ''] = parts;
  if (!/^[0-9]+$/.test(bits)) return `malformed CIDR "${text}": the mask must be a non-negative integer`;
  const low = parseIp(address);
  if (!low) return `malformed CIDR "${text}": "${address}" is not an IPv4 or IPv6 address`;
  const mask = Number(bits);
  const width = low.length * 8;
  if (mask >= width)
    return `malformed CIDR "${text}": ${low.length === 4 ? 'IPv4' : 'IPv6'} mask bits must be below ${width}`;

  let hostBits = width - mask;
  const high = [...low];
  for (let index = high.length - 1; index >= 0 && hostBits > 0; index -= 1, hostBits -= 8) {
    high[index] = (high[index] as number) | (hostBits >= 8 ? 0xff : (1 << hostBits) - 1);
  }
  return { low, high };
};

const compareBytes = (left: readonly number[], right: readonly number[]): number => {
  for (let index = 0; index < left.length; index += 1) {
    const difference = (left[index] as number) - (right[index] as number);
    if (difference !== 0) return difference;
  }
  return 0;
};

const sameBytes = (left: readonly number[] | undefined, right: readonly number[]): boolean =>
  left !== undefined && left.length === right.length && compareBytes(left, right) === 0;

// ---------------------------------------------------------------------------------------------
// Evaluation

/**
 * `positive`: satisfiable with at least one value actually matched, which is what lets an array
 * element be chosen. `absent`: satisfiable purely because the fields are missing.
 */
interface Outcome {
  positive: boolean;
  absent: boolean;
}

/**
 * Arrays are matched element by element so that fields of one sub-object never combine values
 * from different elements (the engine's array consistency). An element is only chosen by a real
 * match; a sub-pattern satisfied purely by absence must hold for every element, because the
 * engine checks `exists: false` against the whole array when nothing pinned an element.
 */
const evaluateObject = (node: Node, value: unknown): Outcome => {
  if (Array.isArray(value)) {
    let positive = false;
    let absent = true;
    for (const element of flattenArrays(value)) {
      const outcome = evaluateObject(node, element);
      positive ||= outcome.positive;
      absent &&= outcome.absent;
    }
    return { positive, absent };
  }

  // A scalar where the pattern expects an object has no fields: only absence can be satisfied.
  const record = isRecord(value) ? value : undefined;
  let satisfied = true;
  let anyPositive = false;
  let allAbsent = true;
  const take = (outcome: Outcome): void => {
    satisfied &&= outcome.positive || outcome.absent;
    anyPositive ||= outcome.positive;
    allAbsent &&= outcome.absent;
  };
  for (const [key, leaf] of node.leaves) take(evaluateLeaf(leaf, ownField(record, key)));
  for (const [key, child] of node.children) take(evaluateObject(child, ownField(record, key)));
  return { positive: satisfied && anyPositive, absent: allAbsent };
};

const evaluateLeaf = (rule: LeafRule, value: unknown): Outcome => {
  const values = leafValues(value);
  if (values.length === 0) return { positive: false, absent: rule.existsFalse };
  return {
    positive: rule.existsTrue || values.some((leaf) => rule.tests.some((test) => test(leaf))),
    absent: false,
  };
};

/** Objects (even inside arrays) are not leaves, which is why `exists` ignores them. */
const leafValues = (value: unknown): Leaf[] => {
  if (Array.isArray(value)) return flattenArrays(value).flatMap(leafValues);
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return [value];
  if (typeof value === 'number' && Number.isFinite(value)) return [value];
  return [];
};

const flattenArrays = (values: readonly unknown[]): unknown[] =>
  values.flatMap((value) => (Array.isArray(value) ? flattenArrays(value) : [value]));

// ---------------------------------------------------------------------------------------------
// Helpers

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Own properties only: a pattern naming `constructor` or `__proto__` must not see the prototype. */
const ownField = (record: Record<string, unknown> | undefined, key: string): unknown =>
  record !== undefined && Object.hasOwn(record, key) ? record[key] : undefined;

const fold = (text: string): string => text.toLowerCase();

const joinKey = (path: string, key: string): string => {
  if (!/^[A-Za-z_$][\w$-]*$/.test(key)) return `${path}[${JSON.stringify(key)}]`;
  return path ? `${path}.${key}` : key;
};

const problem = (path: string, message: string): string => `${path || '(root)'}: ${message}`;

const describe = (value: unknown): string => {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return `the string ${JSON.stringify(value)}`;
  return `${typeof value} ${String(value)}`;
};

const OPERATOR_NAMES = new Set([
  'prefix',
  'suffix',
  'equals-ignore-case',
  'wildcard',
  'anything-but',
  'numeric',
  'exists',
  'cidr',
]);

/**
 * The two usual slips get a hint: a bare value where a list is due, and an operator object
 * written without its surrounding array (which reads as a field named after the operator).
 */
const misplacedValueMessage = (key: string, value: unknown): string => {
  const base = `must be an object or an array of match values, got ${describe(value)}`;
  if (OPERATOR_NAMES.has(key))
    return `${base}; "${key}" reads as a field name here: put operators inside the leaf array, e.g. [{"${key}": ...}]`;
  if (value === undefined || typeof value === 'object' || typeof value === 'function') return base;
  return `${base}; write [${JSON.stringify(value)}]: a leaf is always an array of alternatives`;
};
