// Storage, sampled: each run (the leased `sample-storage` job, so one node per interval) stores
// one row per repository at one time. A blob is stored once per registry (account) however many
// repositories link it, so it is counted once per account: each repository linking it is
// attributed an equal share of its size (the shares of the account's repositories add up to the
// account's bytes), and the view shows beside that its physical bytes (blobs no other repository
// of the account links) and its shared bytes (blobs others link too). A blob only archived images
// of the repository use is archive storage; any other is standard (a blob no image references yet,
// a fresh upload, is standard).
import type { BlobLinkFact, StorageSample } from '../domain/records/metering.js';
import type { MetadataStore } from '../metadata/store.js';

/** The samples of one registry's repositories at `sampledAt`, from its blob links and counts. */
export function storageSamples(
  accountId: string,
  sampledAt: number,
  links: readonly BlobLinkFact[],
  counts: readonly { repositoryId: string; repositoryName: string; images: number; tags: number }[],
): StorageSample[] {
  const linkers = new Map<string, number>();
  for (const link of links) linkers.set(link.digest, (linkers.get(link.digest) ?? 0) + 1);
  const samples = new Map<string, StorageSample>();
  for (const c of counts)
    samples.set(c.repositoryId, {
      sampledAt,
      accountId,
      repositoryId: c.repositoryId,
      repositoryName: c.repositoryName,
      physicalBytes: 0,
      sharedBytes: 0,
      attributedBytes: 0,
      archiveBytes: 0,
      imageCount: c.images,
      tagCount: c.tags,
    });
  for (const link of links) {
    const sample = samples.get(link.repositoryId);
    if (!sample) continue;
    const n = linkers.get(link.digest)!;
    if (n === 1) sample.physicalBytes += link.size;
    else sample.sharedBytes += link.size;
    const share = link.size / n;
    sample.attributedBytes += share;
    if (link.archivedRefs > 0 && link.activeRefs === 0) sample.archiveBytes += share;
  }
  // Whole bytes in the rows; the rounding of shares is at most a byte per blob.
  return [...samples.values()].map((s) => ({
    ...s,
    attributedBytes: Math.round(s.attributedBytes),
    archiveBytes: Math.round(s.archiveBytes),
  }));
}

export class StorageSampler {
  constructor(private readonly store: Pick<MetadataStore, 'metering'>) {}

  /** Samples every registry's repositories at `now`; returns how many repositories it sampled. */
  async sample(now = Date.now()): Promise<number> {
    let sampled = 0;
    for (const accountId of await this.store.metering.registryKeys()) {
      const [links, counts] = await Promise.all([
        this.store.metering.blobLinks(accountId),
        this.store.metering.repositoryCounts(accountId),
      ]);
      const samples = storageSamples(accountId, now, links, counts);
      await this.store.metering.addStorageSamples(samples);
      sampled += samples.length;
    }
    return sampled;
  }
}
