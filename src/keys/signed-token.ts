// The one codec of Berth's HMAC-signed tokens (registry passwords, the public registry's bearer
// tokens, layer download URLs, the AWS faces' paging tokens): `<payload>.<signature>`, both
// unpadded base64url, the payload JSON. Decoding is
// strict: each part must be the canonical encoding of its bytes (no padding, no characters a
// lenient decoder skips, no unused bits set) and the signature exactly one HMAC-SHA256 long, so
// a token has one spelling and bytes appended to it, or a last character swapped for its twin
// that decodes to the same bytes, make it invalid.
import { createHmac, timingSafeEqual } from 'node:crypto';

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

/** Why an expiring token was refused: not one this key signed in this format, or past its expiry. */
export type TokenRefusal = 'invalid' | 'expired';

/** What opening an expiring token gives: its claims, or why it was refused. */
export type OpenedToken<Expiry extends string> =
  | { claims: Record<string, unknown> & Record<Expiry, number>; refused?: undefined }
  | { claims?: undefined; refused: TokenRefusal };

const VERSION = 1;

/**
 * Tokens that expire (registry passwords, the public registry's bearer tokens, layer URLs): the
 * payload is `{"v":1,…claims}`, the claims holding the expiry (epoch milliseconds) under the name
 * `expiry` (each kind keeps the name its tokens were first issued with, so tokens issued before a
 * restart or by another node still open). A token opens until the millisecond of its expiry.
 */
export class ExpiringTokenCodec<Expiry extends string> {
  private readonly codec: SignedTokenCodec;

  constructor(
    key: Buffer,
    private readonly expiry: Expiry,
    domain = '',
    maxLength = 16384,
  ) {
    this.codec = new SignedTokenCodec(key, domain, maxLength);
  }

  /** A token of `claims`, which carry the expiry; the format version is put first. */
  sign<Claims extends Record<Expiry, number>>(claims: Claims): string {
    return this.codec.sign({ v: VERSION, ...claims });
  }

  /** The claims of a token that verifies, is of this format version and has not expired at `now`. */
  open(token: string, now = Date.now()): OpenedToken<Expiry> {
    const claims = this.codec.open(token);
    const expiresAt = claims?.[this.expiry];
    if (claims?.v !== VERSION || typeof expiresAt !== 'number') return { refused: 'invalid' };
    if (expiresAt <= now) return { refused: 'expired' };
    return { claims: claims as Record<string, unknown> & Record<Expiry, number> };
  }
}
