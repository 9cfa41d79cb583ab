// Wildcards (* and ?) and policy variables (${aws:username}, ${*}, ${key, 'default'}) as IAM
// matches them: actions case-insensitively, ARNs component by component, everything else whole.
import { contextValue, type ContextValues } from './request.js';

/**
 * The text with its policy variables replaced, or undefined when a variable has no value and no
 * default (IAM then treats the element as not matching). Only Version 2012-10-17 has variables.
 * Replaced text is literal: a `*` coming from a variable or `${*}` is not a wildcard, so the
 * result is a list of parts, each literal or pattern.
 */
export type Part = { literal: string } | { pattern: string };

export function substitute(text: string, context: ContextValues | undefined): Part[] | undefined {
  if (!context || !text.includes('${')) return [{ pattern: text }];
  const parts: Part[] = [];
  let at = 0;
  while (at < text.length) {
    const start = text.indexOf('${', at);
    const end = start === -1 ? -1 : text.indexOf('}', start);
    if (start === -1 || end === -1) {
      parts.push({ pattern: text.slice(at) });
      break;
    }
    if (start > at) parts.push({ pattern: text.slice(at, start) });
    const inner = text.slice(start + 2, end).trim();
    at = end + 1;
    if (inner === '*' || inner === '?' || inner === '$') {
      parts.push({ literal: inner });
      continue;
    }
    const withDefault = /^([^,]+?)\s*,\s*'([^']*)'$/.exec(inner);
    const key = withDefault ? withDefault[1]! : inner;
    const value = contextValue(context, key);
    if (typeof value === 'string') parts.push({ literal: value });
    else if (withDefault) parts.push({ literal: withDefault[2]! });
    else return undefined;
  }
  return parts;
}

function escapeRegExp(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');
}

/** Compiled patterns by source and flags: the same few policies are evaluated on every request. */
const compiled = new Map<string, RegExp>();

function remember(key: string, re: RegExp): RegExp {
  if (compiled.size >= 10_000) compiled.clear();
  compiled.set(key, re);
  return re;
}

function partsToRegex(parts: Part[], flags: string): RegExp {
  let source = '';
  for (const part of parts) {
    if ('literal' in part) source += escapeRegExp(part.literal);
    else for (const ch of part.pattern) source += ch === '*' ? '.*' : ch === '?' ? '.' : escapeRegExp(ch);
  }
  return new RegExp(`^${source}$`, flags);
}

/** A whole-string wildcard match (case-sensitive unless `ignoreCase`). */
export function globMatch(pattern: string, value: string, ignoreCase = false, context?: ContextValues): boolean {
  if (pattern === '*') return true;
  if (!context || !pattern.includes('${')) {
    if (!/[*?]/.test(pattern)) return ignoreCase ? pattern.toLowerCase() === value.toLowerCase() : pattern === value;
    const flags = ignoreCase ? 'is' : 's';
    return (
      compiled.get(`${flags}/${pattern}`) ?? remember(`${flags}/${pattern}`, partsToRegex([{ pattern }], flags))
    ).test(value);
  }
  const parts = substitute(pattern, context);
  return parts !== undefined && partsToRegex(parts, ignoreCase ? 'is' : 's').test(value);
}

/** The text with variables replaced, as plain text (no wildcards): for the String and Arn equality operators. */
export function substituteText(text: string, context: ContextValues | undefined): string | undefined {
  const parts = substitute(text, context);
  return parts?.map((p) => ('literal' in p ? p.literal : p.pattern)).join('');
}

/** Splits an ARN into its six components (the last may hold colons); undefined for a non-ARN. */
function arnComponents(value: string): string[] | undefined {
  const parts = value.split(':');
  if (parts.length < 6) return undefined;
  return [...parts.slice(0, 5), parts.slice(5).join(':')];
}

/**
 * ArnLike: each of the six colon-separated components matched on its own, so a wildcard never
 * spans a service or account boundary. Variables are replaced first.
 */
export function arnMatch(pattern: string, value: string, context?: ContextValues): boolean {
  if (pattern === '*') return true;
  const text = context ? substitute(pattern, context) : [{ pattern }];
  if (!text) return false;
  // Variables may carry colons; substitute then split on the literal text, marking literal stars.
  const marked = text.map((p) => ('literal' in p ? p.literal.replace(/[*?\\]/g, '\\$&') : p.pattern)).join('');
  const patternParts = arnComponents(marked);
  const valueParts = arnComponents(value);
  if (!patternParts || !valueParts) return false;
  return patternParts.every((p, i) => markedGlob(p, valueParts[i]!));
}

/** A glob whose backslash-escaped characters are literal (see arnMatch). */
function markedGlob(pattern: string, value: string): boolean {
  if (!/[*?\\]/.test(pattern)) return pattern === value;
  const cached = compiled.get(`arn/${pattern}`);
  if (cached) return cached.test(value);
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === '\\' && i + 1 < pattern.length) source += escapeRegExp(pattern[++i]!);
    else source += ch === '*' ? '.*' : ch === '?' ? '.' : escapeRegExp(ch);
  }
  return remember(`arn/${pattern}`, new RegExp(`^${source}$`, 's')).test(value);
}

/** An action pattern (`ecr:Get*`, `*`) against an action, case-insensitively. */
export function actionMatch(pattern: string, action: string): boolean {
  return globMatch(pattern, action, true);
}

/** A Resource element value against the request's resource ARN. */
export function resourceMatch(pattern: string, resource: string, context?: ContextValues): boolean {
  if (pattern === '*') return true;
  return arnMatch(pattern, resource, context);
}
