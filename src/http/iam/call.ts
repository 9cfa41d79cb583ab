// What every IAM and STS action handler receives, and the helpers that validate its input.
import type { z } from 'zod';
import type { Principal } from '../../iam/authorizer.js';
import type { RequestFacts } from '../../policy/request.js';
import { validate } from '../aws-validation.js';
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
 * Validates an action's input; the query protocol's ValidationError names every bad member (lower
 * camel case, as AWS's IAM messages do) and its value, in AWS's words: "1 validation error
 * detected: Value '2000' at 'maxItems' failed to satisfy constraint: Member must have value less
 * than or equal to 1000".
 */
export function input<T extends z.ZodType>(schema: T, body: unknown): z.infer<T> {
  return validate(schema, body, (message) => new IamError('ValidationError', message), { lowerFirst: true });
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
