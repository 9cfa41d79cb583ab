// Temporary credentials (STS): an ASIA… access key id, a secret derived from it, and a session
// token that seals who the session is (role, session name, tags, expiry) with the deployment's
// shared session key. Any node verifies a session without a database query; nothing is stored.
import { createHmac, randomBytes } from 'node:crypto';
import { MasterKey } from '../keys/master-key.js';
import { SECRETS } from '../keys/secrets.js';
import { loadSharedSecret, type Seal, type SettingsStore } from '../keys/shared-secret.js';
import type { Principal } from '../domain/principal.js';
import { IdentityError } from './identities.js';
import { SignatureError } from './sigv4.js';

export type RoleSession = Extract<Principal, { kind: 'role-session' }>;

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const SESSION_KEY_ID = /^ASIA[A-Z2-7]{16}$/;
const CONTEXT = 'sts-session-token';
const MAX_TOKEN = 8192;

export function isSessionKeyId(value: string): boolean {
  return SESSION_KEY_ID.test(value);
}

export interface SessionCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiresAt: number;
}

/** What a session is, as sealed into its token. */
export type SessionClaims = Omit<RoleSession, 'kind' | 'accessKeyId'>;

export class SessionService {
  private readonly seal: MasterKey;

  constructor(private readonly key: Buffer) {
    this.seal = MasterKey.fromBytes(key);
  }

  issue(claims: SessionClaims): SessionCredentials {
    let accessKeyId = 'ASIA';
    for (const byte of randomBytes(16)) accessKeyId += ALPHABET[byte % 32];
    const sessionToken = this.seal.encrypt(JSON.stringify({ v: 1, k: accessKeyId, c: claims }), CONTEXT);
    // A token verify() would refuse is never handed out: STS's packed size limit (session policies and tags).
    if (sessionToken.length > MAX_TOKEN) {
      throw new IdentityError(
        'PackedPolicyTooLarge',
        'The session policies and session tags together are too large for a session token; pass fewer or shorter ones.',
      );
    }
    return { accessKeyId, secretAccessKey: this.secretOf(accessKeyId), sessionToken, expiresAt: claims.expiresAt };
  }

  /** The secret of a session key id: derived, so it travels only in the AssumeRole answer. */
  secretOf(accessKeyId: string): string {
    return createHmac('sha256', this.key).update(`secret:${accessKeyId}`).digest('base64').slice(0, 40);
  }

  /**
   * The session behind a token that was issued with `accessKeyId`: InvalidClientTokenId for a
   * token this deployment did not issue (or for another key), ExpiredToken once it expired.
   */
  verify(sessionToken: string, accessKeyId: string, now = Date.now()): RoleSession {
    let body: { v?: unknown; k?: unknown; c?: SessionClaims } | undefined;
    try {
      if (sessionToken.length <= MAX_TOKEN) body = JSON.parse(this.seal.decrypt(sessionToken, CONTEXT)) as typeof body;
    } catch {
      /* refused below */
    }
    if (body?.v !== 1 || body.k !== accessKeyId || typeof body.c !== 'object' || body.c === null) {
      throw new SignatureError(
        'UnrecognizedClientException',
        'The security token included in the request is invalid.',
        403,
      );
    }
    if (body.c.expiresAt <= now)
      throw new SignatureError('ExpiredTokenException', 'The security token included in the request is expired', 400);
    return { kind: 'role-session', ...body.c, accessKeyId };
  }
}

/** The deployment's session key: made once, kept encrypted in the database, shared by every node. */
export async function loadSessionService(settings: SettingsStore, seal: Seal): Promise<SessionService> {
  return new SessionService(await loadSharedSecret(settings, seal, SECRETS.sessionTokens));
}
