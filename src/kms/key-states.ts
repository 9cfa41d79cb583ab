// What a key's state lets it do (KMS's key states): a key pending deletion whose date has come
// is gone; a disabled or pending-deletion key encrypts and decrypts nothing; some operations
// refuse a key in a state they do not take.
import { KmsError } from '../domain/kms-errors.js';
import type { KmsKey } from '../domain/records/kms.js';

/** A key pending deletion whose deletion date has come is gone, whether or not its rows are yet. */
export function deleted(key: KmsKey, now: number): boolean {
  return key.state === 'PendingDeletion' && key.deletionDate !== null && key.deletionDate <= now;
}

/** Throws the error that says why the key cannot encrypt or decrypt now. */
export function usable(key: KmsKey): void {
  if (key.state === 'Disabled') throw new KmsError('DisabledException', `${key.arn} is disabled.`);
  if (key.state === 'PendingDeletion')
    throw new KmsError('KMSInvalidStateException', `${key.arn} is pending deletion.`);
}

export function invalidState(key: KmsKey): KmsError {
  return new KmsError(
    'KMSInvalidStateException',
    `${key.arn} is ${key.state === 'PendingDeletion' ? 'pending deletion' : key.state}.`,
  );
}
