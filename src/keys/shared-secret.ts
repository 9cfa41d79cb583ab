// Secrets every node of a deployment shares (signing keys): made once by whichever node starts
// first, kept in the database settings encrypted with the master key.
import { randomBytes } from 'node:crypto';
import type { Reseal } from './reseal.js';
import type { NamedSecret } from './secrets.js';

export interface SettingsStore {
  setIfAbsent(key: string, value: string): Promise<string>;
}

export interface Seal {
  encrypt(plaintext: string, context: string): string;
  decrypt(sealed: string, context: string): string;
}

/** The 32-byte secret (one of keys/secrets.ts), created when absent. */
export async function loadSharedSecret(settings: SettingsStore, seal: Seal, secret: NamedSecret): Promise<Buffer> {
  const { setting, context } = secret;
  const stored = await settings.setIfAbsent(setting, seal.encrypt(randomBytes(32).toString('base64'), context));
  return Buffer.from(seal.decrypt(stored, context), 'base64');
}

/** The settings a rotation reads and rewrites. */
export interface SealedSettings {
  get(key: string): Promise<string | undefined>;
  replace(key: string, value: string): Promise<boolean>;
}

/** Re-seals each of `secrets` that is stored; resolves with how many it rewrote. */
export async function resealSharedSecrets(
  settings: SealedSettings,
  secrets: readonly NamedSecret[],
  reseal: Reseal,
): Promise<number> {
  let count = 0;
  for (const { setting, context } of secrets) {
    const value = await settings.get(setting);
    const next = value === undefined ? undefined : reseal(value, context);
    if (next !== undefined && (await settings.replace(setting, next))) count++;
  }
  return count;
}
