// KMS grants' rules, pure: which grant operations a key takes, which grants cover a caller's
// request (grantee, operation, encryption context constraints), how far a grant made with a
// grant's CreateGrant permission may reach, and grant ids and tokens.
import { randomBytes } from 'node:crypto';
import type { Principal } from '../domain/principal.js';
import type { KmsGrant, KmsGrantConstraints } from '../domain/records/kms.js';
import type { GrantMatch } from '../domain/authorizer.js';
import type { EncryptionContext } from './key-material.js';

/** The model's GrantOperation enum. */
export const GRANT_OPERATIONS = [
  'Decrypt',
  'Encrypt',
  'GenerateDataKey',
  'GenerateDataKeyWithoutPlaintext',
  'ReEncryptFrom',
  'ReEncryptTo',
  'Sign',
  'Verify',
  'GetPublicKey',
  'CreateGrant',
  'RetireGrant',
  'DescribeKey',
  'GenerateDataKeyPair',
  'GenerateDataKeyPairWithoutPlaintext',
  'GenerateMac',
  'VerifyMac',
  'DeriveSharedSecret',
] as const;

/** The grant operations of a symmetric encryption key. */
export const SYMMETRIC_GRANT_OPERATIONS: ReadonlySet<string> = new Set([
  'Decrypt',
  'Encrypt',
  'GenerateDataKey',
  'GenerateDataKeyWithoutPlaintext',
  'ReEncryptFrom',
  'ReEncryptTo',
  'CreateGrant',
  'RetireGrant',
  'DescribeKey',
]);

/** The grant operations of an asymmetric signing key (KeyUsage SIGN_VERIFY). */
export const SIGNING_GRANT_OPERATIONS: ReadonlySet<string> = new Set([
  'Sign',
  'Verify',
  'GetPublicKey',
  'CreateGrant',
  'RetireGrant',
  'DescribeKey',
]);

/** The grant operations a key takes, by its usage. */
export function grantOperationsOf(key: { keyUsage: string }): ReadonlySet<string> {
  return key.keyUsage === 'SIGN_VERIFY' ? SIGNING_GRANT_OPERATIONS : SYMMETRIC_GRANT_OPERATIONS;
}

/** Operations that take an encryption context: a grant's constraints apply to these only. */
const CONTEXT_OPERATIONS: ReadonlySet<string> = new Set([
  'Decrypt',
  'Encrypt',
  'GenerateDataKey',
  'GenerateDataKeyWithoutPlaintext',
  'ReEncryptFrom',
  'ReEncryptTo',
]);

/** KMS's limits on a constraint: up to 8 pairs, each value up to 384 characters. */
export const CONSTRAINT_LIMITS = { pairs: 8, valueLength: 384 };

/** The grantee principals that name this caller itself, and the one that names its account. */
export function granteesOf(principal: Principal): { direct: string[]; account?: string } {
  switch (principal.kind) {
    case 'anonymous':
      return { direct: [] };
    case 'root':
      return { direct: [principal.arn] };
    case 'user':
      return { direct: [principal.arn], account: rootArn(principal.accountId) };
    case 'role-session':
      return { direct: [principal.arn, principal.roleArn], account: rootArn(principal.accountId) };
  }
}

export function rootArn(accountId: string): string {
  return `arn:aws:iam::${accountId}:root`;
}

/** In a constraint the keys of the pairs are not case sensitive, the values are. */
function lowerKeys(map: Record<string, string>): Map<string, string> {
  return new Map(Object.entries(map).map(([key, value]) => [key.toLowerCase(), value]));
}

function includes(outer: Map<string, string>, inner: Map<string, string>): boolean {
  for (const [key, value] of inner) if (outer.get(key) !== value) return false;
  return true;
}

function same(a: Map<string, string>, b: Map<string, string>): boolean {
  return a.size === b.size && includes(a, b);
}

/** Whether a request's encryption context meets a grant's constraints. */
export function constraintsHold(constraints: KmsGrantConstraints | null, context: EncryptionContext = {}): boolean {
  if (!constraints) return true;
  const given = lowerKeys(context);
  if (constraints.encryptionContextEquals && !same(given, lowerKeys(constraints.encryptionContextEquals))) return false;
  return !constraints.encryptionContextSubset || includes(given, lowerKeys(constraints.encryptionContextSubset));
}

/** What a new grant would allow: its operations and constraints. */
export type GrantScope = Pick<KmsGrant, 'operations' | 'constraints'>;

/**
 * A grant made with another grant's CreateGrant permission allows no more than that grant: a
 * subset of its operations, and constraints equally strict or stricter.
 */
export function within(child: GrantScope, parent: GrantScope): boolean {
  if (!child.operations.every((operation) => parent.operations.includes(operation))) return false;
  const equals = parent.constraints?.encryptionContextEquals;
  const subset = parent.constraints?.encryptionContextSubset;
  const childEquals = child.constraints?.encryptionContextEquals;
  const childSubset = child.constraints?.encryptionContextSubset;
  if (equals && !(childEquals && same(lowerKeys(childEquals), lowerKeys(equals)))) return false;
  if (subset) {
    const required = lowerKeys(subset);
    const bySubset = childSubset !== undefined && includes(lowerKeys(childSubset), required);
    const byEquals = childEquals !== undefined && includes(lowerKeys(childEquals), required);
    if (!bySubset && !byEquals) return false;
  }
  return true;
}

/** What a caller asks of a key, for matching grants. */
export interface GrantedUse {
  /** A grant operation name, e.g. Decrypt. */
  operation: string;
  encryptionContext?: EncryptionContext;
  /** For CreateGrant: the grant asked for. */
  proposed?: GrantScope;
}

/**
 * How the key's grants cover a use by this caller: a grant naming the caller itself
 * ('principal') before one naming its account ('account'); undefined when none does.
 */
export function coveringGrant(
  grants: readonly KmsGrant[],
  principal: Principal,
  use: GrantedUse,
): GrantMatch | undefined {
  const { direct, account } = granteesOf(principal);
  let found: GrantMatch | undefined;
  for (const grant of grants) {
    if (!grant.operations.includes(use.operation)) continue;
    if (CONTEXT_OPERATIONS.has(use.operation) && !constraintsHold(grant.constraints, use.encryptionContext)) continue;
    if (use.operation === 'CreateGrant' && use.proposed && !within(use.proposed, grant)) continue;
    if (direct.includes(grant.granteePrincipal)) return 'principal';
    if (grant.granteePrincipal === account) found = 'account';
  }
  return found;
}

const GRANT_ID = /^[0-9a-f]{64}$/;

export function newGrantId(): string {
  return randomBytes(32).toString('hex');
}

export function isGrantId(id: string): boolean {
  return GRANT_ID.test(id);
}

/** A grant token: the grant's id and 32 random bytes, base64url. Grant tokens are not secrets in KMS. */
export function newGrantToken(grantId: string): string {
  return Buffer.concat([Buffer.from(grantId, 'hex'), randomBytes(32)]).toString('base64url');
}

/** The grant id a token names, or undefined when it is not a token this key service made. */
export function grantIdOfToken(token: string): string | undefined {
  if (!/^[A-Za-z0-9_-]+$/.test(token)) return undefined;
  const bytes = Buffer.from(token, 'base64url');
  return bytes.length === 64 ? bytes.subarray(0, 32).toString('hex') : undefined;
}
