// Tokens Berth hands out and takes back (paging tokens): a JSON payload and an HMAC-SHA256 over
// it with a key every node shares, so any node verifies one and no client can forge or alter
// one. The MAC also covers a `binding` the token never carries (what it was issued for): a token
// presented for anything else does not verify.
import { createHmac, timingSafeEqual } from 'node:crypto';

/** The setting the paging tokens' key is kept under, and the context it is sealed with. */
export const PAGE_TOKEN_KEY: [string, string] = ['page_token_key', 'page-token-signing-key'];

export class TokenSigner {
  constructor(private readonly key: Buffer) {}

  sign(payload: unknown, binding: string): string {
    const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
    return `${body}.${this.mac(body, binding)}`;
  }

  /** The payload of a token this signer made for `binding`; undefined for anything else. */
  verify(token: string, binding: string, maxLength = 8192): unknown {
    const dot = token.indexOf('.');
    if (dot <= 0 || token.length > maxLength) return undefined;
    const body = token.slice(0, dot);
    const given = Buffer.from(token.slice(dot + 1), 'base64url');
    const expected = Buffer.from(this.mac(body, binding), 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    try {
      return JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as unknown;
    } catch {
      return undefined;
    }
  }

  private mac(body: string, binding: string): string {
    return createHmac('sha256', this.key).update(`${binding}\n${body}`).digest('base64url');
  }
}
