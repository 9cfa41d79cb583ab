// Registry passwords (the `docker login` password GetAuthorizationToken returns): a signed,
// expiring statement of which access key asked for it. Any node verifies one with the shared
// signing key, without a database query.
import { SECRETS } from '../keys/secrets.js';
import { loadSharedSecret, type Seal, type SettingsStore } from '../keys/shared-secret.js';
import { ExpiringTokenCodec } from '../keys/signed-token.js';

export const TOKEN_TTL_MS = 12 * 3600 * 1000;

export interface TokenClaims {
  /** The account whose identity asked. */
  account: string;
  /** The access key that asked; the token stops working when the key does. */
  key: string;
  /** Expiry, epoch milliseconds. */
  exp: number;
  /** For temporary credentials: the session token, which must still verify (and expires the password with it). */
  session?: string;
}

/** Passwords verified lately; a client sends the same one with every request. */
const VERIFIED_CACHE = 4096;

export class TokenService {
  private readonly codec: ExpiringTokenCodec<'e'>;
  /**
   * Claims of passwords that verified, by the password's exact text: a registry client sends its
   * password with every request, and checking its HMAC (with the strict base64 decoding and the
   * JSON parse) was a tenth of the CPU of a manifest GET by tag. The key is this service's for
   * life, so a text that verified once verifies again until its expiry, which is checked on
   * every use. Bounded: cleared when full.
   */
  private readonly verified = new Map<string, TokenClaims>();

  constructor(signingKey: Buffer) {
    this.codec = new ExpiringTokenCodec(signingKey, 'e', '', 16384);
  }

  issue(
    claims: Omit<TokenClaims, 'exp'>,
    now = Date.now(),
    ttlMs = TOKEN_TTL_MS,
  ): { password: string; expiresAt: number } {
    const exp = now + ttlMs;
    return {
      password: this.codec.sign({
        a: claims.account,
        k: claims.key,
        e: exp,
        ...(claims.session && { s: claims.session }),
      }),
      expiresAt: exp,
    };
  }

  /** The claims of a valid, unexpired token, or undefined. */
  verify(password: string, now = Date.now()): TokenClaims | undefined {
    const known = this.verified.get(password);
    if (known) {
      if (known.exp > now) return known;
      this.verified.delete(password);
      return undefined;
    }
    const body = this.codec.open(password, now).claims;
    if (typeof body?.a !== 'string' || typeof body.k !== 'string') return undefined;
    if (body.s !== undefined && typeof body.s !== 'string') return undefined;
    const claims: TokenClaims = {
      account: body.a,
      key: body.k,
      exp: body.e,
      ...(typeof body.s === 'string' && { session: body.s }),
    };
    if (this.verified.size >= VERIFIED_CACHE) this.verified.clear();
    this.verified.set(password, claims);
    return claims;
  }
}

/** The deployment's token signing key: made once, kept encrypted in the database, shared by every node. */
export async function loadTokenService(settings: SettingsStore, seal: Seal): Promise<TokenService> {
  return new TokenService(await loadSharedSecret(settings, seal, SECRETS.registryPasswords));
}
