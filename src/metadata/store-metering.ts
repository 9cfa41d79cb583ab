// The metadata port's index for metering: transfer-out counts flushed by each node, storage
// samples taken by the leased sampling job, and the facts a sample is computed from.
import type { BlobLinkFact, RepositoryCounts, StorageSample, TransferCount } from '../domain/records/metering.js';

/** Rows of a time range (`from` inclusive, `to` exclusive), of some registry keys or all. */
export interface MeteringRange {
  from: number;
  to: number;
  /** Registry keys (repositories' accountId); all when absent. */
  accountIds?: readonly string[];
  repositoryId?: string;
}

export interface MeteringIndex {
  /** Adds each count to its node's row for the hour and series (one transaction). */
  addTransfer(counts: readonly TransferCount[]): Promise<void>;
  /** Counts of the range, summed over nodes (`node` is empty in the rows returned). */
  transfer(range: MeteringRange): Promise<TransferCount[]>;
  /** Registry keys that have repositories. */
  registryKeys(): Promise<string[]>;
  /** Every blob linked to a repository of the registry, with the images that use it. */
  blobLinks(accountId: string): Promise<BlobLinkFact[]>;
  /** Image and tag counts of each repository of the registry (repositories without images too). */
  repositoryCounts(accountId: string): Promise<RepositoryCounts[]>;
  /** When an image of the repository was last pulled (its images' latest recorded pull time). */
  lastPull(repositoryId: string): Promise<number | undefined>;
  /** Stores samples; a repository's sample at a time already stored is kept as it was. */
  addStorageSamples(samples: readonly StorageSample[]): Promise<void>;
  /** Samples of the range, by time. */
  storageSamples(range: MeteringRange): Promise<StorageSample[]>;
  /** Deletes transfer counts of hours and storage samples taken before `before` (the retention); how many of each. */
  deleteBefore(before: number): Promise<{ transfer: number; storage: number }>;
  /** The latest sample of each repository taken before `before` (the value in force at a range's start). */
  samplesBefore(before: number, accountIds?: readonly string[]): Promise<StorageSample[]>;
}
