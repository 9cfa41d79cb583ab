// Access keys' secrets, stored sealed by the master key, each sealing bound to its key's id.
import type { Reseal } from '../keys/reseal.js';
import type { MetadataStore } from '../metadata/store.js';

/** The context an access key's secret is sealed under (stored in every database: never change it). */
export function accessKeyContext(accessKeyId: string): string {
  return `access-key:${accessKeyId}`;
}

/** Re-seals every access key's secret (a master key rotation); resolves with how many it rewrote. */
export async function resealAccessKeys(store: Pick<MetadataStore, 'identities'>, reseal: Reseal): Promise<number> {
  let count = 0;
  for (const account of await store.identities.listAccounts()) {
    for (const user of await store.identities.listUsers(account.id)) {
      for (const key of await store.identities.listAccessKeys(user.id)) {
        const next = reseal(key.secretCiphertext, accessKeyContext(key.id));
        if (next !== undefined && (await store.identities.setAccessKeySecret(key.id, next))) count++;
      }
    }
  }
  return count;
}
