// Bearer tokens of the public registry's token endpoint (Docker's token authentication): short
// lived, signed with a key shared by every node, naming who asked (anonymous, or the access key
// behind a registry password) and the access granted.
import { SECRETS } from '../keys/secrets.js';
import { loadSharedSecret, type Seal, type SettingsStore } from '../keys/shared-secret.js';
import { ExpiringTokenCodec } from '../keys/signed-token.js';

export interface GrantedAccess {
  type: 'repository';
  name: string;
  actions: string[];
}

export interface RegistryTokenClaims {
  /** The access key whose registry password was exchanged, absent for an anonymous token. */
  key?: string;
  account?: string;
  access: GrantedAccess[];
  /** Expiry, epoch milliseconds. */
  exp: number;
}

export class RegistryTokenService {
  private readonly codec: ExpiringTokenCodec<'exp'>;

  constructor(
    signingKey: Buffer,
    private readonly ttlMs: number,
  ) {
    this.codec = new ExpiringTokenCodec(signingKey, 'exp', '', 8192);
  }

  issue(
    claims: Omit<RegistryTokenClaims, 'exp'>,
    now = Date.now(),
  ): { token: string; expiresIn: number; issuedAt: string } {
    const token = this.codec.sign({ ...claims, exp: now + this.ttlMs });
    return { token, expiresIn: Math.floor(this.ttlMs / 1000), issuedAt: new Date(now).toISOString() };
  }

  /** The claims of a valid, unexpired token, or undefined. */
  verify(token: string, now = Date.now()): RegistryTokenClaims | undefined {
    const body = this.codec.open(token, now).claims;
    if (!Array.isArray(body?.access)) return undefined;
    if ((body.key === undefined) !== (body.account === undefined)) return undefined;
    if (body.key !== undefined && (typeof body.key !== 'string' || typeof body.account !== 'string')) return undefined;
    const access = body.access.filter(isGrantedAccess);
    if (access.length !== body.access.length) return undefined;
    return {
      ...(typeof body.key === 'string' && { key: body.key, account: body.account as string }),
      access,
      exp: body.exp,
    };
  }
}

function isGrantedAccess(value: unknown): value is GrantedAccess {
  const entry = value as Partial<GrantedAccess> | null;
  return (
    typeof entry === 'object' &&
    entry !== null &&
    entry.type === 'repository' &&
    typeof entry.name === 'string' &&
    Array.isArray(entry.actions) &&
    entry.actions.every((a) => typeof a === 'string')
  );
}

export async function loadRegistryTokenService(
  settings: SettingsStore,
  seal: Seal,
  ttlMs: number,
): Promise<RegistryTokenService> {
  return new RegistryTokenService(await loadSharedSecret(settings, seal, SECRETS.publicBearerTokens), ttlMs);
}
