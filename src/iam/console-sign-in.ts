// Signing in to the console: an account's root or IAM user with its login profile's password,
// failed attempts counted per user and per address (the answer never tells whether the user
// exists: a missing user costs one scrypt too, and every refusal reads the same), sessions kept in
// the database (any node serves them) under the SHA-256 of a random cookie token, with an idle timeout.
import { createHash, randomBytes } from 'node:crypto';
import type { ConsoleSession } from '../domain/records/console.js';
import type { User } from '../domain/records/identities.js';
import type { AuthenticatedPrincipal } from '../domain/principal.js';
import type { MetadataStore } from '../metadata/store.js';
import type { LoginProfileService } from './login-profiles.js';
import { decoyHash, passwordExpired, verifyPassword } from './passwords.js';

export interface SignInLimits {
  idleTimeoutMs: number;
  /** Failures per user (and four times as many per address) within the window before sign-in waits. */
  maxFailures: number;
  failureWindowMs: number;
}

/** The one answer to every refused sign-in (wrong account, user or password). */
export const SIGN_IN_REFUSED = 'Your authentication information is incorrect. Please try again.';
export const SIGN_IN_THROTTLED = 'Too many failed sign-in attempts. Wait a few minutes and try again.';

export type SignInResult =
  | { ok: true; token: string; session: ConsoleSession; mustChangePassword: boolean }
  | { ok: false; message: string };

export interface SignedIn {
  session: ConsoleSession;
  user: User;
  principal: AuthenticatedPrincipal;
  /** The profile asks for a new password (first sign-in, or an expired one) before anything else. */
  mustChangePassword: boolean;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
/** Sessions' last use is written at most this often. */
const TOUCH_EVERY_MS = 30_000;

export class ConsoleSignIn {
  constructor(
    private readonly store: Pick<MetadataStore, 'identities' | 'console'>,
    private readonly profiles: Pick<LoginProfileService, 'changeOwn'>,
    private readonly limits: SignInLimits,
    private readonly now: () => number = Date.now,
  ) {}

  async signIn(accountId: string, userName: string, password: string, address: string): Promise<SignInResult> {
    const now = this.now();
    const windowStart = now - this.limits.failureWindowMs;
    const name = userName.trim() === '' ? 'root' : userName.trim();
    const userKey = `user:${accountId}/${name.toLowerCase()}`;
    const addressKey = `ip:${address}`;
    if (
      (await this.store.console.failures(userKey, windowStart)) >= this.limits.maxFailures ||
      (await this.store.console.failures(addressKey, windowStart)) >= this.limits.maxFailures * 4
    )
      return { ok: false, message: SIGN_IN_THROTTLED };
    const user = /^\d{12}$/.test(accountId) ? await this.user(accountId, name) : undefined;
    const profile = user && (await this.store.console.getLoginProfile(user.id));
    // Without a user or a profile, a decoy hash is checked all the same: the time tells nothing.
    const matches = await verifyPassword(password, profile?.passwordHash ?? (await decoyHash()));
    if (!user || !profile || !matches) {
      await this.store.console.recordFailure(userKey, now, windowStart);
      await this.store.console.recordFailure(addressKey, now, windowStart);
      return { ok: false, message: SIGN_IN_REFUSED };
    }
    const policy = await this.store.console.getPasswordPolicy(accountId);
    if (policy?.hardExpiry && passwordExpired(profile.changedAt, policy, now))
      return { ok: false, message: 'Your password has expired. Ask an administrator to reset it.' };
    await this.store.console.clearFailures(userKey);
    const token = randomBytes(32).toString('base64url');
    const session: ConsoleSession = {
      id: sha256(token),
      userId: user.id,
      accountId,
      csrfToken: randomBytes(24).toString('base64url'),
      createdAt: now,
      lastSeenAt: now,
    };
    await this.store.console.createSession(session);
    return {
      ok: true,
      token,
      session,
      mustChangePassword: profile.resetRequired || passwordExpired(profile.changedAt, policy, now),
    };
  }

  /** The session of a cookie token, unless it is unknown, idle too long, or its user or profile went. */
  async session(token: string | undefined): Promise<SignedIn | undefined> {
    if (!token || token.length > 100) return undefined;
    const now = this.now();
    const session = await this.store.console.getSession(sha256(token));
    if (!session) return undefined;
    if (now - session.lastSeenAt > this.limits.idleTimeoutMs) {
      await this.store.console.deleteSession(session.id);
      return undefined;
    }
    const user = await this.store.identities.getUser(session.userId);
    const profile = user && (await this.store.console.getLoginProfile(user.id));
    if (!user || !profile) {
      await this.store.console.deleteSession(session.id);
      return undefined;
    }
    if (now - session.lastSeenAt > TOUCH_EVERY_MS) await this.store.console.touchSession(session.id, now);
    const policy = profile.resetRequired ? undefined : await this.store.console.getPasswordPolicy(user.accountId);
    return {
      session,
      user,
      principal: principalOf(user),
      mustChangePassword: profile.resetRequired || passwordExpired(profile.changedAt, policy, now),
    };
  }

  async signOut(token: string | undefined): Promise<void> {
    if (token) await this.store.console.deleteSession(sha256(token));
  }

  /** The signed-in user's own change (forced at first sign-in): other sessions of the user end. */
  async changePassword(signedIn: SignedIn, oldPassword: string, newPassword: string): Promise<void> {
    await this.profiles.changeOwn(signedIn.user, oldPassword, newPassword);
    await this.store.console.deleteUserSessions(signedIn.user.id);
    await this.store.console.createSession({ ...signedIn.session, lastSeenAt: this.now() });
  }

  private async user(accountId: string, name: string): Promise<User | undefined> {
    if (name === 'root') return (await this.store.identities.listUsers(accountId)).find((u) => u.kind === 'root');
    const user = await this.store.identities.getUserByName(accountId, name);
    return user?.kind === 'user' ? user : undefined;
  }
}

/** The console acts as the signed-in identity: the principal the authorizer sees for its API calls. */
export function principalOf(user: User): AuthenticatedPrincipal {
  return user.kind === 'root'
    ? { kind: 'root', accountId: user.accountId, arn: user.arn, userId: user.id, accessKeyId: '' }
    : {
        kind: 'user',
        accountId: user.accountId,
        arn: user.arn,
        userId: user.id,
        userName: user.name,
        accessKeyId: '',
      };
}
