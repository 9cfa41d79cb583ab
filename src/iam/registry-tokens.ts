// Bearer tokens of the public registry's token endpoint (Docker's token authentication): short
// lived, signed with a key shared by every node, naming who asked (anonymous, or the access key
// behind a registry password) and the access granted.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { loadSharedSecret, type Seal, type SettingsStore } from '../keys/shared-secret.js';

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
  constructor(private readonly signingKey: Buffer, private readonly ttlMs: number) {}

  issue(claims: Omit<RegistryTokenClaims, 'exp'>, now = Date.now()): { token: string; expiresIn: number; issuedAt: string } {
    const payload = Buffer.from(JSON.stringify({ v: 1, ...claims, exp: now + this.ttlMs })).toString('base64url');
    return { token: `${payload}.${this.sign(payload)}`, expiresIn: Math.floor(this.ttlMs / 1000), issuedAt: new Date(now).toISOString() };
  }

  /** The claims of a valid, unexpired token, or undefined. */
  verify(token: string, now = Date.now()): RegistryTokenClaims | undefined {
    const dot = token.indexOf('.');
    if (dot <= 0 || token.length > 8192) return undefined;
    const payload = token.slice(0, dot);
    const given = Buffer.from(token.slice(dot + 1), 'base64url');
    const expected = Buffer.from(this.sign(payload), 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    try {
      const body = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as RegistryTokenClaims & { v: number };
      if (body.v !== 1 || typeof body.exp !== 'number' || body.exp <= now || !Array.isArray(body.access)) return undefined;
      if ((body.key === undefined) !== (body.account === undefined)) return undefined;
      return { ...(body.key !== undefined && { key: body.key, account: body.account }), access: body.access, exp: body.exp };
    } catch {
      return undefined;
    }
  }

  private sign(payload: string): string {
    return createHmac('sha256', this.signingKey).update(payload).digest('base64url');
  }
}

export async function loadRegistryTokenService(settings: SettingsStore, seal: Seal, ttlMs: number): Promise<RegistryTokenService> {
  return new RegistryTokenService(await loadSharedSecret(settings, seal, 'public_token_key', 'public-registry-token-signing-key'), ttlMs);
}
