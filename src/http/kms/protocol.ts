// What every action of the key service's API shares: input validation by the model's shapes
// (ValidationException naming the field), base64 blobs, dates in seconds, the caller, and pages.
import { z } from 'zod';
import { KmsError } from '../../domain/kms-errors.js';
import type { KmsContext } from '../../kms/key-authorization.js';
import { validate } from '../aws-json/validation.js';
import type { ApiCall } from '../aws-json/call.js';

export const DEFAULT_LIMIT = 100;

// Shapes of the model that several actions take.
export const KeyId = z.string().min(1).max(2048);
export const Limit = z.number().int().min(1).max(1000);
export const Marker = z.string().min(1).max(1024);
export const Context = z.record(z.string(), z.string());
export const Blob = z.string().min(1).max(8192);
/** Accepted and checked for form: grants take effect at once here, so tokens are never needed to use one. */
export const GrantTokens = z.array(z.string().min(1).max(8192)).max(10);

/** Validates input; the key service names every bad member and its value in a ValidationException. */
export function parse<T extends z.ZodType>(schema: T, body: unknown): z.infer<T> {
  return validate(schema, body, (message) => new KmsError('ValidationException', message), { lowerFirst: true });
}

export function base64(value: string, field: string): Buffer {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(value) || value.length % 4 !== 0)
    throw new KmsError('ValidationException', `${field} is not base64`);
  return Buffer.from(value, 'base64');
}

export const seconds = (ms: number) => ms / 1000;

export function ctx(call: ApiCall): KmsContext {
  return { principal: call.principal, accountId: call.principal.accountId, facts: call.facts };
}

const MarkerCursor = z.object({ after: z.string() });

/**
 * The row a Marker continues after: a Marker this action issued for the same listing (`listing`:
 * the parameters that choose its items), else InvalidMarkerException.
 */
export function afterMarker(call: ApiCall, listing: unknown, marker: string | undefined): string | undefined {
  if (marker === undefined) return undefined;
  const cursor = call.pages.open({ action: call.action, parameters: listing }, MarkerCursor, marker);
  if (!cursor)
    throw new KmsError(
      'InvalidMarkerException',
      'The request was rejected because the marker that specifies where pagination should next begin is not valid.',
    );
  return cursor.after;
}

/** A page of `limit` from rows fetched with one extra, which says whether more follow; its NextMarker is bound to the listing. */
export function page<T>(call: ApiCall, listing: unknown, rows: T[], limit: number, marker: (row: T) => string) {
  const items = rows.slice(0, limit);
  const truncated = rows.length > limit;
  const next = () =>
    call.pages.issue({ action: call.action, parameters: listing }, { after: marker(items[items.length - 1]!) });
  return { items, Truncated: truncated, ...(truncated && { NextMarker: next() }) };
}
