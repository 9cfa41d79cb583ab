// A master key rotation's part in Secrets Manager: the versions the master key sealed (secrets
// without a KMS key) are re-sealed, a page at a time; those a KMS key's data key sealed are left
// alone (the key's material is re-sealed with the key service's).
import type { Reseal } from '../keys/reseal.js';
import type { MetadataStore, SealedVersionRef } from '../metadata/store.js';
import { MASTER, masterContext } from './secret-sealing.js';

const PAGE = 500;

/** Re-seals every master-sealed secret version; `onPage` is told the count so far after each full page. */
export async function resealSecretValues(
  store: Pick<MetadataStore, 'secrets'>,
  reseal: Reseal,
  onPage: (count: number) => void = () => {},
): Promise<number> {
  let count = 0;
  let after: SealedVersionRef | undefined;
  for (;;) {
    const page = await store.secrets.sealedPage(MASTER, after, PAGE);
    for (const version of page) {
      const next = reseal(version.sealed.slice(MASTER.length), masterContext(version.arn, version.versionId));
      if (next === undefined) continue;
      await store.secrets.replaceSealed(version.secretId, version.versionId, MASTER + next);
      count++;
    }
    if (page.length < PAGE) return count;
    onPage(count);
    const last = page[page.length - 1]!;
    after = { secretId: last.secretId, versionId: last.versionId };
  }
}
