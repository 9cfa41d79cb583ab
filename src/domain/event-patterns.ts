// EventBridge event patterns (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html):
// a pattern is a JSON object whose leaves are arrays of matchers; an event matches when every
// field the pattern names matches one of its matchers (a field holding an array matches when one
// of its elements does). Matchers: exact values (string, number, boolean, null), `prefix`,
// `suffix`, `equals-ignore-case`, `anything-but` (a value, a list, or a prefix/suffix),
// `numeric` (comparisons, ANDed), `exists`, `wildcard` (`*`), and `$or` over sub-patterns.
// Parsed once (PutRule refuses an invalid pattern), matched per event.

/** A pattern that is not valid JSON or uses a matcher wrongly: EventBridge's InvalidEventPatternException. */
export class EventPatternError extends Error {}

type Scalar = string | number | boolean | null;
type Matcher = (value: unknown, present: boolean) => boolean;
export interface EventPattern {
  fields: Array<{ key: string; match: EventPattern | Matcher[] }>;
  or: EventPattern[][];
}

const COMPARATORS: Record<string, (a: number, b: number) => boolean> = {
  '=': (a, b) => a === b,
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
  '>': (a, b) => a > b,
  '>=': (a, b) => a >= b,
};

function isScalar(v: unknown): v is Scalar {
  return v === null || ['string', 'number', 'boolean'].includes(typeof v);
}

function fail(message: string): never {
  throw new EventPatternError(message);
}

function stringOperand(name: string, v: unknown): string {
  if (typeof v !== 'string') fail(`${name} match pattern must be a string`);
  return v;
}

/** `prefix`/`suffix`: a string, or `{"equals-ignore-case": string}`. */
function affix(name: 'prefix' | 'suffix', v: unknown): (s: string) => boolean {
  let operand: string;
  let fold = false;
  if (typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).join() === 'equals-ignore-case') {
    operand = stringOperand(name, (v as Record<string, unknown>)['equals-ignore-case']).toLowerCase();
    fold = true;
  } else operand = stringOperand(name, v);
  return (s) => {
    const subject = fold ? s.toLowerCase() : s;
    return name === 'prefix' ? subject.startsWith(operand) : subject.endsWith(operand);
  };
}

function wildcard(pattern: string): (s: string) => boolean {
  if (pattern.includes('**')) fail('Consecutive wildcard characters are not allowed');
  const source = pattern
    .split(/(\\\*|\\\\|\*)/)
    .map((part) => {
      if (part === '*') return '.*';
      if (part === '\\*') return '\\*';
      if (part === '\\\\') return '\\\\';
      return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('');
  const re = new RegExp(`^${source}$`, 's');
  return (s) => re.test(s);
}

function numeric(spec: unknown): (n: number) => boolean {
  if (!Array.isArray(spec) || spec.length === 0 || spec.length % 2 !== 0 || spec.length > 4)
    fail('Value of numeric must be an array of one or two comparisons');
  const tests: Array<(n: number) => boolean> = [];
  for (let i = 0; i < spec.length; i += 2) {
    const op = spec[i];
    const operand = spec[i + 1];
    const compare = typeof op === 'string' ? COMPARATORS[op] : undefined;
    if (!compare) fail(`Unrecognized numeric range operator: ${JSON.stringify(op)}`);
    if (typeof operand !== 'number') fail('Value of numeric operands must be numbers');
    tests.push((n) => compare(n, operand));
  }
  return (n) => tests.every((t) => t(n));
}

function anythingBut(spec: unknown): Matcher {
  if (isScalar(spec)) return (v, present) => present && v !== spec;
  if (Array.isArray(spec)) {
    if (!spec.every(isScalar)) fail('Inside anything but list, only scalar values are allowed');
    const set = new Set<unknown>(spec);
    return (v, present) => present && !set.has(v);
  }
  if (typeof spec === 'object' && spec !== null) {
    const [key, ...rest] = Object.keys(spec);
    if (rest.length > 0 || (key !== 'prefix' && key !== 'suffix'))
      fail('Value of anything-but must be an array, a scalar, or a prefix or suffix match');
    const test = affix(key, (spec as Record<string, unknown>)[key]);
    return (v, present) => present && typeof v === 'string' && !test(v);
  }
  fail('Value of anything-but must be an array, a scalar, or a prefix or suffix match');
}

function matcher(spec: unknown): Matcher {
  if (isScalar(spec)) return (v, present) => present && v === spec;
  if (typeof spec !== 'object' || Array.isArray(spec)) fail('Match value must be String, number, true, false, or null');
  const keys = Object.keys(spec);
  if (keys.length !== 1) fail('Only one key allowed in match expression');
  const key = keys[0] as string;
  const operand = (spec as Record<string, unknown>)[key];
  switch (key) {
    case 'prefix':
    case 'suffix': {
      const test = affix(key, operand);
      return (v, present) => present && typeof v === 'string' && test(v);
    }
    case 'equals-ignore-case': {
      const want = stringOperand(key, operand).toLowerCase();
      return (v, present) => present && typeof v === 'string' && v.toLowerCase() === want;
    }
    case 'anything-but':
      return anythingBut(operand);
    case 'numeric': {
      const test = numeric(operand);
      return (v, present) => present && typeof v === 'number' && test(v);
    }
    case 'exists':
      if (typeof operand !== 'boolean') fail('exists match pattern must be either true or false.');
      return (_v, present) => present === operand;
    case 'wildcard': {
      const test = wildcard(stringOperand(key, operand));
      return (v, present) => present && typeof v === 'string' && test(v);
    }
    default:
      fail(`Unrecognized match type ${key}`);
  }
}

function compile(node: unknown): EventPattern {
  if (typeof node !== 'object' || node === null || Array.isArray(node)) fail('Event pattern must be a JSON object');
  const pattern: EventPattern = { fields: [], or: [] };
  for (const [key, value] of Object.entries(node)) {
    if (key === '$or') {
      if (!Array.isArray(value) || value.length < 2) fail('$or must be an array of at least two patterns');
      pattern.or.push(value.map(compile));
    } else if (Array.isArray(value)) {
      if (value.length === 0) fail(`Empty arrays are not allowed (at "${key}")`);
      pattern.fields.push({ key, match: value.map(matcher) });
    } else if (typeof value === 'object' && value !== null) {
      pattern.fields.push({ key, match: compile(value) });
    } else fail(`"${key}" must be an object or an array`);
  }
  return pattern;
}

/** Parses and checks a pattern's text; throws EventPatternError. */
export function parseEventPattern(text: string): EventPattern {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    fail('Event pattern is not valid JSON');
  }
  return compile(json);
}

function leafMatches(matchers: Matcher[], present: boolean, value: unknown): boolean {
  // A field holding an array matches when one of its elements matches (exists asks only whether it is there).
  const values = Array.isArray(value) ? value : [value];
  return matchers.some((m) => (present && values.length > 0 ? values.some((v) => m(v, true)) : m(undefined, false)));
}

/** Whether the event (or a part of it, for nested patterns) matches the pattern. */
export function matchesPattern(pattern: EventPattern, event: unknown): boolean {
  const object = typeof event === 'object' && event !== null ? (event as Record<string, unknown>) : {};
  for (const { key, match } of pattern.fields) {
    const present = Object.hasOwn(object, key);
    const value = object[key];
    if (Array.isArray(match)) {
      if (!leafMatches(match, present, value)) return false;
    } else if (!present || !matchesPattern(match, value)) {
      // A nested pattern of only `exists: false` matchers matches an absent object too.
      if (present || !matchesPattern(match, {})) return false;
    }
  }
  return pattern.or.every((alternatives) => alternatives.some((p) => matchesPattern(p, event)));
}
