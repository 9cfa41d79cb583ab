// Condition operators: String*, Numeric*, Date*, Bool, Binary, IpAddress, Arn*, Null, with the
// …IfExists forms and the ForAnyValue:/ForAllValues: set qualifiers, as IAM evaluates them.
import { isIP } from 'node:net';
import { arnMatch, globMatch, substituteText } from './patterns.js';
import { contextValue, type ContextValues } from './request.js';

type Family = 'string' | 'numeric' | 'date' | 'bool' | 'binary' | 'ip' | 'arn' | 'null';

interface OperatorSpec {
  family: Family;
  /** Negated operators hold when the key's value matches none of the policy's values. */
  negated: boolean;
  /** The positive test of one context value against one policy value. */
  test(contextValue: string, policyValue: string, variables: ContextValues | undefined): boolean;
}

const lower = (s: string) => s.toLowerCase();
const num = (s: string) => (/^\s*-?(\d+\.?\d*|\.\d+)\s*$/.test(s) ? Number(s) : NaN);

/** Dates: ISO 8601 or epoch seconds. NaN when neither. */
export function parseDate(value: string): number {
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  if (!/^\d{4}-\d{2}-\d{2}/.test(value)) return NaN;
  return Date.parse(value);
}

/** An address as a number: 32 bits for IPv4, 128 for IPv6; undefined when it is neither. */
function parseIp(text: string): { bits: 32 | 128; value: bigint } | undefined {
  const family = isIP(text);
  if (family === 4) return { bits: 32, value: text.split('.').reduce((n, part) => (n << 8n) | BigInt(part), 0n) };
  if (family !== 6) return undefined;
  let address = text;
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(address);
  if (dotted) {
    const v4 = parseIp(dotted[1]!)!.value;
    address = `${address.slice(0, dotted.index)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const [head, tail] = address.split('::') as [string, string | undefined];
  const groups = (part: string | undefined) => (part ? part.split(':') : []);
  const left = groups(head);
  const right = groups(tail);
  const all =
    tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return { bits: 128, value: all.reduce((n, group) => (n << 16n) | BigInt(`0x${group || '0'}`), 0n) };
}

/** Ranges parsed once by their text (policies name the same few on every request). */
const ranges = new Map<string, { bits: number; network: bigint; shift: bigint } | null>();

function parseRange(range: string): { bits: number; network: bigint; shift: bigint } | null {
  let parsed = ranges.get(range);
  if (parsed === undefined) {
    const [net, prefixText] = range.split('/');
    const ip = parseIp(net ?? '');
    parsed = ip
      ? {
          bits: ip.bits,
          shift: BigInt(ip.bits - (prefixText === undefined ? ip.bits : Number(prefixText))),
          network: 0n,
        }
      : null;
    if (parsed && ip) parsed.network = ip.value >> parsed.shift;
    if (ranges.size >= 10_000) ranges.clear();
    ranges.set(range, parsed);
  }
  return parsed;
}

function ipInRange(address: string, range: string): boolean {
  const ip = parseIp(address);
  const parsed = parseRange(range);
  return ip !== undefined && parsed !== null && ip.bits === parsed.bits && ip.value >> parsed.shift === parsed.network;
}

function validIpRange(range: string): boolean {
  const [net, prefix, extra] = range.split('/');
  const family = isIP(net ?? '');
  if (!family || extra !== undefined) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 6 ? 128 : 32);
}

const compareNumeric = (cmp: (a: number, b: number) => boolean) => (c: string, p: string) => {
  const a = num(c);
  const b = num(p);
  return !Number.isNaN(a) && !Number.isNaN(b) && cmp(a, b);
};
const compareDate = (cmp: (a: number, b: number) => boolean) => (c: string, p: string) => {
  const a = parseDate(c);
  const b = parseDate(p);
  return !Number.isNaN(a) && !Number.isNaN(b) && cmp(a, b);
};
const stringEquals = (c: string, p: string, v: ContextValues | undefined) => substituteText(p, v) === c;
const stringEqualsIgnoreCase = (c: string, p: string, v: ContextValues | undefined) => {
  const text = substituteText(p, v);
  return text !== undefined && lower(text) === lower(c);
};
const stringLike = (c: string, p: string, v: ContextValues | undefined) => globMatch(p, c, false, v);
const arnLike = (c: string, p: string, v: ContextValues | undefined) => arnMatch(p, c, v);
const eq = (a: number, b: number) => a === b;

export const OPERATORS: Record<string, OperatorSpec> = {
  StringEquals: { family: 'string', negated: false, test: stringEquals },
  StringNotEquals: { family: 'string', negated: true, test: stringEquals },
  StringEqualsIgnoreCase: { family: 'string', negated: false, test: stringEqualsIgnoreCase },
  StringNotEqualsIgnoreCase: { family: 'string', negated: true, test: stringEqualsIgnoreCase },
  StringLike: { family: 'string', negated: false, test: stringLike },
  StringNotLike: { family: 'string', negated: true, test: stringLike },
  NumericEquals: { family: 'numeric', negated: false, test: compareNumeric(eq) },
  NumericNotEquals: { family: 'numeric', negated: true, test: compareNumeric(eq) },
  NumericLessThan: { family: 'numeric', negated: false, test: compareNumeric((a, b) => a < b) },
  NumericLessThanEquals: { family: 'numeric', negated: false, test: compareNumeric((a, b) => a <= b) },
  NumericGreaterThan: { family: 'numeric', negated: false, test: compareNumeric((a, b) => a > b) },
  NumericGreaterThanEquals: { family: 'numeric', negated: false, test: compareNumeric((a, b) => a >= b) },
  DateEquals: { family: 'date', negated: false, test: compareDate(eq) },
  DateNotEquals: { family: 'date', negated: true, test: compareDate(eq) },
  DateLessThan: { family: 'date', negated: false, test: compareDate((a, b) => a < b) },
  DateLessThanEquals: { family: 'date', negated: false, test: compareDate((a, b) => a <= b) },
  DateGreaterThan: { family: 'date', negated: false, test: compareDate((a, b) => a > b) },
  DateGreaterThanEquals: { family: 'date', negated: false, test: compareDate((a, b) => a >= b) },
  Bool: { family: 'bool', negated: false, test: (c, p) => lower(c) === lower(p) },
  BinaryEquals: { family: 'binary', negated: false, test: (c, p) => c === p },
  IpAddress: { family: 'ip', negated: false, test: (c, p) => ipInRange(c, p) },
  NotIpAddress: { family: 'ip', negated: true, test: (c, p) => ipInRange(c, p) },
  ArnEquals: { family: 'arn', negated: false, test: arnLike },
  ArnNotEquals: { family: 'arn', negated: true, test: arnLike },
  ArnLike: { family: 'arn', negated: false, test: arnLike },
  ArnNotLike: { family: 'arn', negated: true, test: arnLike },
  Null: { family: 'null', negated: false, test: () => false },
};

export interface Condition {
  /** As written, e.g. ForAnyValue:StringLikeIfExists. */
  readonly operator: string;
  readonly base: string;
  readonly set?: 'ForAnyValue' | 'ForAllValues';
  readonly ifExists: boolean;
  readonly key: string;
  readonly values: readonly string[];
}

/** Validates one operator/key/values triple; `error` builds the validation error naming it. */
export function parseCondition(
  operator: string,
  key: string,
  values: string[],
  error: (detail: string) => Error,
): Condition {
  const match = /^(?:(ForAnyValue|ForAllValues):)?(.+?)(IfExists)?$/.exec(operator);
  const base = match?.[2] ?? '';
  // Own entries only: "constructor" or "toString" is an unknown operator, not Object's property.
  const spec = Object.hasOwn(OPERATORS, base) ? OPERATORS[base] : undefined;
  if (!match || !spec) throw error(`unknown condition operator ${operator}`);
  const ifExists = match[3] !== undefined;
  if (ifExists && spec.family === 'null') throw error('Null has no IfExists form');
  for (const value of values) {
    if (spec.family === 'numeric' && Number.isNaN(num(value))) throw error(`${JSON.stringify(value)} is not a number`);
    if (spec.family === 'date' && Number.isNaN(parseDate(value)))
      throw error(`${JSON.stringify(value)} is not a date (ISO 8601 or epoch seconds)`);
    if ((spec.family === 'bool' || spec.family === 'null') && !/^(true|false)$/i.test(value))
      throw error(`${JSON.stringify(value)} is not true or false`);
    if (spec.family === 'ip' && !validIpRange(value))
      throw error(`${JSON.stringify(value)} is not an IP address or CIDR range`);
  }
  const set = match[1] as Condition['set'];
  return { operator, base, ...(set ? { set } : {}), ifExists, key, values };
}

/** Whether one condition holds for the request's context values (`variables` for ${…}, 2012-10-17 only). */
export function conditionHolds(
  condition: Condition,
  context: ContextValues,
  variables: ContextValues | undefined,
): boolean {
  const spec = OPERATORS[condition.base]!;
  const raw = contextValue(context, condition.key);
  if (spec.family === 'null') {
    const absent = raw === undefined || (Array.isArray(raw) && raw.length === 0);
    return condition.values.some((v) => lower(v) === String(absent));
  }
  const values: readonly string[] | undefined = raw === undefined ? undefined : typeof raw === 'string' ? [raw] : raw;
  const matchesAny = (value: string) => condition.values.some((p) => spec.test(value, p, variables));
  // A negated operator holds for a value that matches none of the policy's values.
  const holdsFor = (value: string) => (spec.negated ? !matchesAny(value) : matchesAny(value));

  if (condition.set === 'ForAllValues') {
    // Vacuously true for a missing or empty key.
    return values === undefined || values.every(holdsFor);
  }
  if (condition.set === 'ForAnyValue') {
    if (values === undefined || values.length === 0) return condition.ifExists;
    return values.some(holdsFor);
  }
  if (values === undefined || values.length === 0) return condition.ifExists || spec.negated;
  return spec.negated ? values.every(holdsFor) : values.some(holdsFor);
}
