// The one codec of Berth's HMAC-signed tokens (registry passwords, the public registry's bearer
// tokens, layer download URLs, the AWS faces' paging tokens): `<payload>.<signature>`, both unpadded base64url. Decoding is
// strict: each part must be the canonical encoding of its bytes (no padding, no characters a
// lenient decoder skips, no unused bits set) and the signature exactly one HMAC-SHA256 long, so
// a token has one spelling and bytes appended to it, or a last character swapped for its twin
// that decodes to the same bytes, make it invalid.
import { createHmac, timingSafeEqual } from 'node:crypto';

/** The setting the paging tokens' key is kept under, and the context it is sealed with. */
export const PAGE_TOKEN_KEY: [string, string] = ['page_token_key', 'page-token-signing-key'];

const BASE64URL = /^[A-Za-z0-9_-]*$/;
const SIGNATURE_BYTES = 32;

/** The bytes of canonical unpadded base64url text, or undefined for any other text. */
export function strictBase64url(text: string): Buffer | undefined {
  if (!BASE64URL.test(text) || text.length % 4 === 1) return undefined;
  const bytes = Buffer.from(text, 'base64url');
  return bytes.toString('base64url') === text ? bytes : undefined;
}

export class SignedTokenCodec {
  /** `domain` is signed before the payload, so a token of one kind never verifies as another. */
  constructor(
    private readonly key: Buffer,
    private readonly domain = '',
    private readonly maxLength = 16384,
  ) {}

  /**
   * A token carrying `claims` as JSON. A `binding` (what the token is for: a listing, say) is
   * signed but not carried: the token opens only with the same binding.
   */
  sign(claims: object, binding = ''): string {
    const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
    return `${payload}.${this.mac(payload, binding).toString('base64url')}`;
  }

  /** The parsed claims of a token whose signature verifies, or undefined (malformed, altered, forged, bound to another thing). */
  open(token: string, binding = ''): Record<string, unknown> | undefined {
    if (token.length > this.maxLength) return undefined;
    const dot = token.indexOf('.');
    if (dot <= 0 || token.indexOf('.', dot + 1) !== -1) return undefined;
    const payloadText = token.slice(0, dot);
    const given = strictBase64url(token.slice(dot + 1));
    const payload = strictBase64url(payloadText);
    if (!given || !payload || given.length !== SIGNATURE_BYTES) return undefined;
    if (!timingSafeEqual(given, this.mac(payloadText, binding))) return undefined;
    try {
      const claims: unknown = JSON.parse(payload.toString('utf8'));
      return typeof claims === 'object' && claims !== null && !Array.isArray(claims)
        ? (claims as Record<string, unknown>)
        : undefined;
    } catch {
      return undefined;
    }
  }

  private mac(payload: string, binding: string): Buffer {
    // A binding ends in a newline, which base64url text never holds: bound and unbound never collide.
    return createHmac('sha256', this.key)
      .update(binding ? `${this.domain}${binding}\n${payload}` : `${this.domain}${payload}`)
      .digest();
  }
}
