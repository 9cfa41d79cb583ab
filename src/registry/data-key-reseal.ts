// A master key rotation's part in the registry: the data keys of blobs and uploads wrapped by the
// master key (AES256 repositories) are re-sealed; those wrapped by a KMS key are left alone.
import type { Reseal } from '../keys/reseal.js';
import type { MetadataStore } from '../metadata/store.js';
import { blobContext, MASTER, uploadContext } from './data-keys.js';

const PAGE = 500;

/** Re-seals the blobs' master-wrapped data keys, a page at a time; `onPage` is told the count so far after each full page. */
export async function resealBlobKeys(
  store: Pick<MetadataStore, 'blobKeys'>,
  reseal: Reseal,
  onPage: (count: number) => void = () => {},
): Promise<number> {
  let count = 0;
  let after: { digest: string; id: string } | undefined;
  for (;;) {
    const page = await store.blobKeys.page(MASTER, after, PAGE);
    for (const key of page) {
      const next = reseal(key.wrapped, blobContext(key.digest, key.id));
      if (next !== undefined) {
        await store.blobKeys.rewrap({ ...key, wrapped: next });
        count++;
      }
    }
    if (page.length < PAGE) return count;
    onPage(count);
    after = { digest: page[page.length - 1]!.digest, id: page[page.length - 1]!.id };
  }
}

/** Re-seals the master-wrapped data keys of the uploads in progress. */
export async function resealUploadKeys(store: Pick<MetadataStore, 'uploads'>, reseal: Reseal): Promise<number> {
  let count = 0;
  for (const upload of await store.uploads.stale(Number.MAX_SAFE_INTEGER, 1_000_000)) {
    if (upload.dataKey?.wrappingKey !== MASTER) continue;
    const next = reseal(upload.dataKey.wrapped, uploadContext(upload.id, upload.dataKey.id));
    if (next !== undefined) {
      await store.uploads.setDataKey(upload.id, { ...upload.dataKey, wrapped: next });
      count++;
    }
  }
  return count;
}
