// What every IAM and STS action handler receives, and the helpers that validate its input.
import { z } from 'zod';
import type { Principal } from '../../domain/principal.js';
import type { RequestFacts } from '../../domain/request-facts.js';
import type { PageTokens } from '../aws-json/page-tokens.js';
import { validate, violation } from '../aws-json/validation.js';
import { IamError } from './errors.js';
import type { XmlValue } from './xml.js';

export interface IamCall {
  /** The signer; anonymous only for the actions that take no signature (AssumeRoleWithWebIdentity). */
  principal: Principal;
  /** The action's input structure (unflattened form; validate it with `input`). */
  body: Record<string, unknown>;
  /** What policy conditions read of the request (aws:SourceIp, aws:SecureTransport, …). */
  facts: RequestFacts;
  /** The action called, as its IAM or STS policy action names it (`iam:ListUsers`): Markers are bound to it. */
  action: string;
  /** Signs and opens the pagination Markers. */
  pages: PageTokens;
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

/** What a Marker carries: the last name of the page it ends. */
const Cursor = z.string();

/**
 * An opaque pagination Marker for a cursor (the last name of a page), signed and bound to this
 * action and the listing's `parameters` (path prefix, user, scope: whatever chooses the items).
 */
export function encodeMarker(call: IamCall, parameters: unknown, last: string): string {
  return call.pages.issue({ action: call.action, parameters }, last);
}

/**
 * The cursor of a Marker this action issued for the same listing; ValidationError for anything
 * else (another action's or listing's Marker, an altered one, one never issued).
 */
export function decodeMarker(call: IamCall, parameters: unknown, marker: string | undefined): string | undefined {
  if (marker === undefined) return undefined;
  const cursor = call.pages.open({ action: call.action, parameters }, Cursor, marker);
  if (cursor !== undefined) return cursor;
  throw new IamError(
    'ValidationError',
    `1 validation error detected: ${violation('marker', marker, 'Member must be the Marker of a previous response to the same request')}`,
  );
}

/**
 * One page of items in name order after the Marker: the IAM list shape's IsTruncated/Marker.
 * `parameters` are the listing's (its input but for Marker and MaxItems).
 */
export function page<T>(
  call: IamCall,
  parameters: unknown,
  items: T[],
  nameOf: (item: T) => string,
  marker: string | undefined,
  maxItems: number | undefined,
): { items: T[]; IsTruncated: boolean; Marker?: string } {
  const after = decodeMarker(call, parameters, marker);
  const sorted = [...items].sort((a, b) => (nameOf(a) < nameOf(b) ? -1 : nameOf(a) > nameOf(b) ? 1 : 0));
  const rest = after === undefined ? sorted : sorted.filter((item) => nameOf(item) > after);
  const limit = maxItems ?? 100;
  const taken = rest.slice(0, limit);
  return rest.length > limit
    ? { items: taken, IsTruncated: true, Marker: encodeMarker(call, parameters, nameOf(taken[taken.length - 1]!)) }
    : { items: taken, IsTruncated: false };
}
