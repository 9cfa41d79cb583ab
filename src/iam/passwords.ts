// Console passwords: hashed with scrypt (memory-hard: N=2^15, r=8, p=1, 32 MiB a hash), stored as
// scrypt$N$r$p$salt$hash, compared in constant time; and the account password policy's rules
// (IAM's defaults where the account has set none).
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import type { PasswordPolicy } from '../domain/records/console.js';

const N = 1 << 15;
const R = 8;
const P = 1;
const KEY_LENGTH = 32;
const MAX_MEM = 64 * 1024 * 1024;

function derive(password: string, salt: Buffer, n: number, r: number, p: number): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFC'), salt, KEY_LENGTH, { N: n, r, p, maxmem: MAX_MEM }, (err, key) =>
      err ? reject(err) : resolve(key),
    ),
  );
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, N, R, P);
  return `scrypt$${N}$${R}$${P}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const key = await derive(password, Buffer.from(salt, 'base64url'), Number(n), Number(r), Number(p));
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/** A hash of nothing anyone knows: compared against when there is no user, so a miss costs what a hit does. */
let decoy: Promise<string> | undefined;
export function decoyHash(): Promise<string> {
  decoy ??= hashPassword(randomBytes(24).toString('base64url'));
  return decoy;
}

/** IAM's symbols for RequireSymbols. */
const SYMBOLS = /[!@#$%^&*()_+\-=[\]{}|']/;

/** The rules in force without a policy: at least 8 characters, of three of the four kinds (as IAM's default). */
export const DEFAULT_RULES =
  'at least 8 characters, with three of: uppercase letters, lowercase letters, numbers, symbols';

/** Why the password breaks the policy (IAM's PasswordPolicyViolation message), or undefined. */
export function policyViolation(password: string, policy: PasswordPolicy | undefined): string | undefined {
  const kinds = {
    uppercase: /[A-Z]/.test(password),
    lowercase: /[a-z]/.test(password),
    number: /[0-9]/.test(password),
    symbol: SYMBOLS.test(password),
  };
  if (!policy) {
    const count = Object.values(kinds).filter(Boolean).length;
    return password.length >= 8 && count >= 3
      ? undefined
      : `Password does not conform to the default policy: ${DEFAULT_RULES}.`;
  }
  const missing: string[] = [];
  if (password.length < policy.minimumPasswordLength)
    missing.push(`at least ${policy.minimumPasswordLength} characters`);
  if (policy.requireUppercaseCharacters && !kinds.uppercase) missing.push('an uppercase letter');
  if (policy.requireLowercaseCharacters && !kinds.lowercase) missing.push('a lowercase letter');
  if (policy.requireNumbers && !kinds.number) missing.push('a number');
  if (policy.requireSymbols && !kinds.symbol) missing.push('a symbol');
  return missing.length === 0
    ? undefined
    : `Password does not conform to the account password policy: it needs ${missing.join(', ')}.`;
}

/** True when the password was set longer ago than the policy's MaxPasswordAge. */
export function passwordExpired(changedAt: number, policy: PasswordPolicy | undefined, now: number): boolean {
  return !!policy?.maxPasswordAge && now - changedAt > policy.maxPasswordAge * 86_400_000;
}
