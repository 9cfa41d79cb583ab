// Secrets' names, ARNs and version labels: the rules Secrets Manager applies to them.
import { randomBytes, randomUUID } from 'node:crypto';
import { SecretsError } from '../domain/secrets-errors.js';

export const CURRENT = 'AWSCURRENT';
export const PREVIOUS = 'AWSPREVIOUS';

/** Secrets Manager's name characters: ASCII letters, digits and /_+=.@- . */
const NAME = /^[A-Za-z0-9/_+=.@-]{1,512}$/;
const SUFFIX_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export function checkName(name: string): void {
  if (!NAME.test(name))
    throw new SecretsError(
      'InvalidParameterException',
      'Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!',
    );
}

/** The six random characters Secrets Manager appends to a secret's name in its ARN. */
export function arnSuffix(): string {
  const bytes = randomBytes(6);
  return Array.from(bytes, (b) => SUFFIX_CHARS[b % SUFFIX_CHARS.length]).join('');
}

export const secretArn = (region: string, accountId: string, name: string, suffix: string) =>
  `arn:aws:secretsmanager:${region}:${accountId}:secret:${name}-${suffix}`;

/** The ARN a name would have without its suffix (what a refusal names before the secret is known). */
export const partialArn = (region: string, accountId: string, name: string) =>
  `arn:aws:secretsmanager:${region}:${accountId}:secret:${name}`;

/** A caller's ClientRequestToken, or a fresh one (a UUID, as the SDKs generate). */
export const versionIdOf = (token: string | undefined) => token ?? randomUUID();
