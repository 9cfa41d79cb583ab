// The registry's own key for signing the schema 1 manifests it converts for old engines: made once
// per deployment by whichever node starts first, kept in the settings sealed by the master key.
// RSA, because PKCS#1 v1.5 signatures are deterministic: every node signs the same bytes alike.
import { createPrivateKey, generateKeyPair, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { SECRETS } from './secrets.js';
import type { Seal } from './shared-secret.js';

export interface KeySettings {
  get(key: string): Promise<string | undefined>;
  setIfAbsent(key: string, value: string): Promise<string>;
}

const { setting: SETTING, context: CONTEXT } = SECRETS.schema1Manifests;

export async function loadManifestSigningKey(settings: KeySettings, seal: Seal): Promise<KeyObject> {
  let stored = await settings.get(SETTING);
  if (stored === undefined) {
    const { privateKey } = await promisify(generateKeyPair)('rsa', { modulusLength: 2048 });
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    stored = await settings.setIfAbsent(SETTING, seal.encrypt(pem, CONTEXT));
  }
  return createPrivateKey(seal.decrypt(stored, CONTEXT));
}

/** Loads the key on the first call (not at start: most deployments never serve schema 1) and keeps it; a failed load is retried. */
export function lazyManifestSigningKey(settings: KeySettings, seal: Seal): () => Promise<KeyObject> {
  let loading: Promise<KeyObject> | undefined;
  return () =>
    (loading ??= loadManifestSigningKey(settings, seal).catch((err: unknown) => {
      loading = undefined;
      throw err;
    }));
}
