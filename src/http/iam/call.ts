// What every IAM and STS action handler receives, and the helpers that validate its input.
import type { z } from 'zod';
import type { Principal } from '../../iam/authorizer.js';
import type { RequestFacts } from '../../policy/request.js';
import { IamError } from './errors.js';
import type { XmlValue } from './xml.js';

export interface IamCall {
  /** The signer; anonymous only for the actions that take no signature (AssumeRoleWithWebIdentity). */
  principal: Principal;
  /** The action's input structure (unflattened form; validate it with `input`). */
  body: Record<string, unknown>;
  /** What policy conditions read of the request (aws:SourceIp, aws:SecureTransport, …). */
  facts: RequestFacts;
}

/** An action's result members (rendered inside <ActionResult>), or undefined for an action without output. */
export type IamAction = (call: IamCall) => Promise<{ [name: string]: XmlValue } | undefined>;
export type IamActionTable = Record<string, IamAction>;

/**
 * Validates an action's input; the query protocol's ValidationError names the bad member as
 * AWS does ("1 validation error detected: Value at 'userName' failed to satisfy constraint: …").
 */
export function input<T extends z.ZodType>(schema: T, body: unknown): z.infer<T> {
  const result = schema.safeParse(body ?? {});
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const path = issue.path.map(String);
  const field = path.length > 0 ? path.map((p, i) => (i === 0 ? p.charAt(0).toLowerCase() + p.slice(1) : p)).join('.') : 'request';
  // zod does not report the input of an issue: whether the member was sent is read from the body.
  const sent = issue.path.reduce<unknown>((value, key) => (value !== null && typeof value === 'object' ? (value as Record<PropertyKey, unknown>)[key as PropertyKey] : undefined), body ?? {});
  if (issue.code === 'invalid_type' && sent === undefined) throw new IamError('ValidationError', `1 validation error detected: Value null at '${field}' failed to satisfy constraint: Member must not be null`);
  throw new IamError('ValidationError', `1 validation error detected: Value at '${field}' failed to satisfy constraint: ${issue.message}`);
}

/** An opaque pagination Marker for a cursor (the last name of a page). */
export function encodeMarker(last: string): string {
  return Buffer.from(JSON.stringify({ l: last })).toString('base64url');
}

/** The cursor of a Marker this API issued; InvalidInput for anything else. */
export function decodeMarker(marker: string | undefined): string | undefined {
  if (marker === undefined) return undefined;
  try {
    const value = JSON.parse(Buffer.from(marker, 'base64url').toString('utf8')) as { l?: unknown };
    if (typeof value.l === 'string') return value.l;
  } catch { /* refused below */ }
  throw new IamError('ValidationError', '1 validation error detected: Value at \'marker\' failed to satisfy constraint: Member must be a Marker from a previous response');
}

/** One page of items in name order after the Marker: the IAM list shape's IsTruncated/Marker. */
export function page<T>(items: T[], nameOf: (item: T) => string, marker: string | undefined, maxItems: number | undefined): { items: T[]; IsTruncated: boolean; Marker?: string } {
  const after = decodeMarker(marker);
  const sorted = [...items].sort((a, b) => (nameOf(a) < nameOf(b) ? -1 : nameOf(a) > nameOf(b) ? 1 : 0));
  const rest = after === undefined ? sorted : sorted.filter((item) => nameOf(item) > after);
  const limit = maxItems ?? 100;
  const taken = rest.slice(0, limit);
  return rest.length > limit ? { items: taken, IsTruncated: true, Marker: encodeMarker(nameOf(taken[taken.length - 1]!)) } : { items: taken, IsTruncated: false };
}
