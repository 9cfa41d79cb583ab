// A master key rotation's part in the key service: every version of every key's material is
// sealed by the master key, and is re-sealed with the new one.
import type { Reseal } from '../keys/reseal.js';
import type { MetadataStore } from '../metadata/store.js';
import { materialContext } from './key-material.js';

const PAGE = 500;

/** Re-seals all key material, a page at a time; `onPage` is told the count so far after each full page. */
export async function resealKeyMaterial(
  store: Pick<MetadataStore, 'kms'>,
  reseal: Reseal,
  onPage: (count: number) => void = () => {},
): Promise<number> {
  let count = 0;
  let after: { keyId: string; version: number } | undefined;
  for (;;) {
    const page = await store.kms.allMaterial(after, PAGE);
    for (const m of page) {
      const next = reseal(m.sealed, materialContext(m.keyId, m.version));
      if (next !== undefined) {
        await store.kms.rewrapMaterial({ ...m, sealed: next });
        count++;
      }
    }
    if (page.length < PAGE) return count;
    onPage(count);
    after = { keyId: page[page.length - 1]!.keyId, version: page[page.length - 1]!.version };
  }
}
