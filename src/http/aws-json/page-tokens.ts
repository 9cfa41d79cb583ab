// Paging tokens of the AWS faces (ECR's and ECR Public's nextToken, KMS's and IAM's Marker): a signed
// cursor, bound to the action and the listing it pages (registry, repository, filter…), so a
// token from one listing cannot page another and no client can make one up.
import type { z } from 'zod';
import type { TokenCodec as SignedTokenCodec } from '../../domain/signed-tokens.js';

/** What a page token continues: the action (X-Amz-Target) and the listing's parameters. */
export interface PageListing {
  action: string;
  /** The parameters that choose the listing's items (not the page size). */
  parameters: unknown;
}

export class PageTokens {
  constructor(private readonly codec: SignedTokenCodec) {}

  issue(listing: PageListing, cursor: unknown): string {
    return this.codec.sign({ cursor }, binding(listing));
  }

  /** The cursor of a token issued for this very listing; undefined for any other token. */
  open<T extends z.ZodType>(listing: PageListing, schema: T, token: string): z.infer<T> | undefined {
    const claims = this.codec.open(token, binding(listing));
    if (claims === undefined) return undefined;
    const result = schema.safeParse(claims.cursor);
    return result.success ? result.data : undefined;
  }
}

function binding(listing: PageListing): string {
  return `page-token:${listing.action}:${JSON.stringify(listing.parameters ?? null)}`;
}
