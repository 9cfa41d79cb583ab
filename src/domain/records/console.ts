// The records of the console index (metadata/store-console.ts): IAM login profiles (console
// passwords), accounts' password policies, console sessions and the sign-in throttle's counts.

/** A user's console password (IAM's LoginProfile), the root's included. */
export interface LoginProfile {
  userId: string;
  accountId: string;
  /** scrypt$N$r$p$salt$hash (base64url), see iam/passwords.ts. */
  passwordHash: string;
  resetRequired: boolean;
  createdAt: number;
  /** When the password was last set. */
  changedAt: number;
  /** Earlier passwords' hashes, newest first (for PasswordReusePrevention). */
  history: string[];
}

/** An account's password policy, as IAM's PasswordPolicy names its members. */
export interface PasswordPolicy {
  minimumPasswordLength: number;
  requireSymbols: boolean;
  requireNumbers: boolean;
  requireUppercaseCharacters: boolean;
  requireLowercaseCharacters: boolean;
  allowUsersToChangePassword: boolean;
  maxPasswordAge: number | null;
  passwordReusePrevention: number | null;
  hardExpiry: boolean | null;
}

/** A signed-in console session; `id` is the SHA-256 of the cookie's token (the token is never stored). */
export interface ConsoleSession {
  id: string;
  userId: string;
  accountId: string;
  csrfToken: string;
  createdAt: number;
  lastSeenAt: number;
}
