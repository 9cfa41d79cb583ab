// Input pieces shared by the IAM and STS actions (zod over the unflattened form), and the
// output shapes of the models' common structures (User, Role, Tag, list pages).
import { z } from 'zod';
import type { ResourceTag } from '../../domain/resource-tags.js';
import type { User } from '../../domain/records/identities.js';
import { page, type IamCall } from './call.js';
import type { XmlValue } from './xml.js';

export const name = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[\w+=,.@-]+$/, 'Member must satisfy regular expression pattern: [\\w+=,.@-]+');
export const maxItems = z.coerce.number().int().min(1).max(1000).optional();
export const marker = z
  .string()
  .min(1)
  .max(320)
  .regex(/^[\u0020-\u00FF]+$/)
  .optional();
export const tagList = z
  .array(z.object({ Key: z.string(), Value: z.string() }))
  .max(50)
  .optional()
  .transform((tags) => tags?.map((t): ResourceTag => ({ key: t.Key, value: t.Value })));
export const tagKeyList = z.array(z.string()).max(50);
/** An empty list travels as `Name=`, which the form reads as ''. */
export const stringList = z.union([z.array(z.string()), z.literal('').transform(() => [] as string[])]);

export function tagsXml(tags: ResourceTag[]): XmlValue[] {
  return tags.map((t) => ({ Key: t.key, Value: t.value }));
}

export function userXml(user: User & { path?: string; tags?: ResourceTag[] }): { [name: string]: XmlValue } {
  return {
    Path: user.path ?? '/',
    UserName: user.kind === 'root' ? undefined : user.name,
    UserId: user.kind === 'root' ? user.accountId : user.id,
    Arn: user.arn,
    CreateDate: new Date(user.createdAt),
    Tags: user.tags && user.tags.length > 0 ? tagsXml(user.tags) : undefined,
  };
}

/**
 * A page of a list in name order, as the IAM list shapes carry it (Marker, IsTruncated). The
 * Marker is bound to the call's action and the rest of its `input` (the listing's parameters).
 */
export function listPage<T>(
  call: IamCall,
  member: string,
  items: T[],
  nameOf: (item: T) => string,
  input: { Marker?: string | undefined; MaxItems?: number | undefined },
  render: (item: T) => XmlValue,
): { [name: string]: XmlValue } {
  const { Marker: marker, MaxItems: maxItems, ...parameters } = input;
  const { items: taken, IsTruncated, Marker } = page(call, parameters, items, nameOf, marker, maxItems);
  return { [member]: taken.map(render), IsTruncated, Marker };
}

/** A policy document as IAM returns it: URL-encoded (RFC 3986), which the SDKs decode. */
export function policyText(document: string): string {
  return encodeURIComponent(document);
}

/** A member Berth does not support: absent passes, present is refused naming it (never silently ignored). */
export function unsupported(what: string) {
  return z.never({ error: `${what} is not supported by Berth` }).optional();
}
