// Secrets every node of a deployment shares (signing keys): made once by whichever node starts
// first, kept in the database settings encrypted with the master key.
import { randomBytes } from 'node:crypto';

export interface SettingsStore {
  setIfAbsent(key: string, value: string): Promise<string>;
}

export interface Seal {
  encrypt(plaintext: string, context: string): string;
  decrypt(sealed: string, context: string): string;
}

/** The 32-byte secret stored under `setting`, created when absent; `context` binds its encryption. */
export async function loadSharedSecret(
  settings: SettingsStore,
  seal: Seal,
  setting: string,
  context: string,
): Promise<Buffer> {
  const stored = await settings.setIfAbsent(setting, seal.encrypt(randomBytes(32).toString('base64'), context));
  return Buffer.from(seal.decrypt(stored, context), 'base64');
}
