// How the AWS APIs word a request that breaks its model's constraints, from zod's issues:
// "1 validation error detected: Value '2000' at 'maxResults' failed to satisfy constraint:
// Member must have value less than or equal to 1000" (several joined by "; " under "N validation
// errors detected"), with the offending value and the member's path as AWS writes it
// (list members 1-based: `imageIds.1.member.imageTag`). Each face raises it as its own exception.
import type { z } from 'zod';

/** The longest value a message quotes whole (a 4 MB manifest is not echoed back). */
const MAX_QUOTED = 1024;
const MEMBER = 'Member must';

type Issue = z.core.$ZodIssue;

/** A schema's message for a pattern, as AWS words it with the model's pattern (its `regex(…, message)`). */
export function modelPattern(pattern: string): string {
  return `${MEMBER} satisfy regular expression pattern: ${pattern}`;
}

export interface MessageOptions {
  /**
   * Services whose members are PascalCase in the model (KMS) name them with a lower-case first
   * letter in these messages ("Value '0' at 'limit'"), as AWS does.
   */
  lowerFirst?: boolean;
}

/** The member's path as AWS writes it: list members by 1-based index then `member`. */
export function awsPath(path: readonly PropertyKey[], options: MessageOptions = {}): string {
  if (path.length === 0) return 'request';
  const name = (key: string) => (options.lowerFirst ? key.charAt(0).toLowerCase() + key.slice(1) : key);
  return path.map((key) => (typeof key === 'number' ? `${key + 1}.member` : name(String(key)))).join('.');
}

function valueAt(body: unknown, path: readonly PropertyKey[]): unknown {
  let value = body;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

function render(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(render).join(', ')}]`;
  if (value !== null && typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** `Value '…'` as AWS quotes it; `Value null` for a missing member. */
function quoted(value: unknown): string {
  if (value === undefined || value === null) return 'Value null';
  const text = render(value);
  return `Value '${text.length > MAX_QUOTED ? `${text.slice(0, MAX_QUOTED)}…` : text}'`;
}

/** A zod regex's source as the model would print it: without the anchors. */
function patternOf(pattern: string): string {
  const source = /^\/(.*)\/[a-z]*$/s.exec(pattern)?.[1] ?? pattern;
  return source.replace(/^\^/, '').replace(/\$$/, '');
}

/** A custom message in the Member form (schemas write "must …" or the whole constraint). */
function member(message: string): string {
  if (message.startsWith(MEMBER)) return message;
  if (message.startsWith('must ')) return `Member ${message}`;
  return `${MEMBER} satisfy constraint: ${message}`;
}

/** The constraint an issue says the member broke, in AWS's words. */
export function constraintOf(issue: Issue, value: unknown): string {
  switch (issue.code) {
    case 'invalid_type':
      if (value === undefined || value === null) return `${MEMBER} not be null`;
      return `${MEMBER} be of type ${issue.expected === 'int' ? 'integer' : issue.expected}`;
    case 'too_big': {
      const bound = issue.inclusive === false ? 'less than' : 'less than or equal to';
      return `${MEMBER} have ${issue.origin === 'number' || issue.origin === 'bigint' ? 'value' : 'length'} ${bound} ${String(issue.maximum)}`;
    }
    case 'too_small': {
      const bound = issue.inclusive === false ? 'greater than' : 'greater than or equal to';
      return `${MEMBER} have ${issue.origin === 'number' || issue.origin === 'bigint' ? 'value' : 'length'} ${bound} ${String(issue.minimum)}`;
    }
    case 'invalid_format':
      if (issue.message.startsWith(MEMBER)) return issue.message;
      if (issue.format === 'regex' && issue.pattern) return modelPattern(patternOf(issue.pattern));
      return `${MEMBER} be a valid ${issue.format}`;
    case 'invalid_value':
      return `${MEMBER} satisfy enum value set: [${issue.values.map(String).join(', ')}]`;
    case 'not_multiple_of':
      return `${MEMBER} be a multiple of ${String(issue.divisor)}`;
    case 'unrecognized_keys':
      return `${MEMBER} not have the members [${issue.keys.join(', ')}]`;
    default:
      return member(issue.message);
  }
}

/** One violation: the value, where it is, and what it broke. */
export function violation(path: string, value: unknown, constraint: string): string {
  return `${quoted(value)} at '${path}' failed to satisfy constraint: ${constraint}`;
}

/** "N validation error(s) detected: …" for violations. */
export function validationMessage(violations: readonly string[]): string {
  const count = violations.length;
  return `${count} validation error${count === 1 ? '' : 's'} detected: ${violations.join('; ')}`;
}

/** The message for zod's issues on `body` (each issue's value looked up in the body by its path). */
export function issuesMessage(issues: readonly Issue[], body: unknown, options: MessageOptions = {}): string {
  return validationMessage(
    issues.map((issue) => {
      const value = valueAt(body, issue.path);
      return violation(awsPath(issue.path, options), value, constraintOf(issue, value));
    }),
  );
}

/** Parses `body` with `schema`; a request that breaks it throws `fail(message)`. */
export function validate<T extends z.ZodType>(
  schema: T,
  body: unknown,
  fail: (message: string) => Error,
  options: MessageOptions = {},
): z.infer<T> {
  const input = body ?? {};
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw fail(issuesMessage(result.error.issues, input, options));
}
