// Rotating the master key without re-encrypting a blob: every secret sealed with it (access key
// secrets, the shared signing keys, blobs' and uploads' data key wraps, the key service's key
// material) is opened with the old key and sealed with the new one. Resumable: a value the old
// key cannot open but the new one can was re-sealed by an earlier, interrupted run.
import type { MasterKey } from '../keys/master-key.js';

/** The master key type, for the command that rotates it (the CLI reaches keys/ through the composition root). */
export { MasterKey } from '../keys/master-key.js';
import { ALL_SECRETS } from '../keys/secrets.js';
import { materialContext } from '../kms/key-material.js';
import type { MetadataStore } from '../metadata/store.js';
import { blobContext, MASTER, uploadContext } from '../registry/data-keys.js';

const PAGE = 500;

export interface RotationCount {
  settings: number;
  accessKeys: number;
  blobKeys: number;
  uploadKeys: number;
  kmsMaterial: number;
}

/** Re-seals `sealed` (made under `context`) with the new key; undefined when it is sealed with the new key already. */
function reseal(from: MasterKey, to: MasterKey, sealed: string, context: string): string | undefined {
  let plain: string;
  try {
    plain = from.decrypt(sealed, context);
  } catch (err) {
    try {
      to.decrypt(sealed, context);
      return undefined;
    } catch {
      throw new Error(
        `a secret (${context}) opens with neither the old nor the new master key: ${(err as Error).message}`,
      );
    }
  }
  return to.encrypt(plain, context);
}

/** The kinds of secret, in the order a rotation re-seals them. */
export const ROTATION_PHASES: (keyof RotationCount)[] = [
  'settings',
  'accessKeys',
  'blobKeys',
  'uploadKeys',
  'kmsMaterial',
];

/** Told after each kind of secret and each page of one: which kind, and how many were re-sealed so far. */
export type RotationProgress = (phase: keyof RotationCount, count: Readonly<RotationCount>, done: boolean) => void;

export async function rotateMasterKey(
  store: MetadataStore,
  from: MasterKey,
  to: MasterKey,
  progress: RotationProgress = () => {},
): Promise<RotationCount> {
  const count: RotationCount = { settings: 0, accessKeys: 0, blobKeys: 0, uploadKeys: 0, kmsMaterial: 0 };
  for (const { setting: name, context } of ALL_SECRETS) {
    const value = await store.settings.get(name);
    const next = value === undefined ? undefined : reseal(from, to, value, context);
    if (next !== undefined && (await store.settings.replace(name, next))) count.settings++;
  }
  progress('settings', count, true);
  for (const account of await store.identities.listAccounts()) {
    for (const user of await store.identities.listUsers(account.id)) {
      for (const key of await store.identities.listAccessKeys(user.id)) {
        const next = reseal(from, to, key.secretCiphertext, `access-key:${key.id}`);
        if (next !== undefined && (await store.identities.setAccessKeySecret(key.id, next))) count.accessKeys++;
      }
    }
  }
  progress('accessKeys', count, true);
  let after: { digest: string; id: string } | undefined;
  for (;;) {
    const page = await store.blobKeys.page(MASTER, after, PAGE);
    for (const key of page) {
      const next = reseal(from, to, key.wrapped, blobContext(key.digest, key.id));
      if (next !== undefined) {
        await store.blobKeys.rewrap({ ...key, wrapped: next });
        count.blobKeys++;
      }
    }
    if (page.length < PAGE) break;
    progress('blobKeys', count, false);
    after = { digest: page[page.length - 1]!.digest, id: page[page.length - 1]!.id };
  }
  progress('blobKeys', count, true);
  for (const upload of await store.uploads.stale(Number.MAX_SAFE_INTEGER, 1_000_000)) {
    if (upload.dataKey?.wrappingKey !== MASTER) continue;
    const next = reseal(from, to, upload.dataKey.wrapped, uploadContext(upload.id, upload.dataKey.id));
    if (next !== undefined) {
      await store.uploads.setDataKey(upload.id, { ...upload.dataKey, wrapped: next });
      count.uploadKeys++;
    }
  }
  progress('uploadKeys', count, true);
  let material: { keyId: string; version: number } | undefined;
  for (;;) {
    const page = await store.kms.allMaterial(material, PAGE);
    for (const m of page) {
      const next = reseal(from, to, m.sealed, materialContext(m.keyId, m.version));
      if (next !== undefined) {
        await store.kms.rewrapMaterial({ ...m, sealed: next });
        count.kmsMaterial++;
      }
    }
    if (page.length < PAGE) break;
    progress('kmsMaterial', count, false);
    material = { keyId: page[page.length - 1]!.keyId, version: page[page.length - 1]!.version };
  }
  progress('kmsMaterial', count, true);
  return count;
}
