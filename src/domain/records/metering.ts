// What the metadata port keeps for metering: transfer-out counts (each node's increments per
// hour and series, summed on read) and storage samples (one row per repository per sample).

/** The bytes one node served in one hour for one series (repository, listener, endpoint, principal). */
export interface TransferCount {
  /** The node that counted them; reads sum every node's rows. */
  node: string;
  /** The hour's start (epoch ms, a multiple of 3 600 000). */
  hour: number;
  /** The repository's registry key (a Repository's accountId: `public:<account>` for a public one). */
  accountId: string;
  repositoryId: string;
  repositoryName: string;
  /** The listener that served the bytes: `main` or `public`. */
  listener: string;
  /** The network path: a private endpoint's id (`vpce-…`), or `public-network`. */
  endpoint: string;
  /** The caller's identity ARN, or `anonymous`. */
  principal: string;
  bytes: number;
  requests: number;
}

/** One repository's storage when it was sampled. */
export interface StorageSample {
  sampledAt: number;
  /** The repository's registry key (as TransferCount's). */
  accountId: string;
  repositoryId: string;
  repositoryName: string;
  /** Bytes of blobs linked to this repository only. */
  physicalBytes: number;
  /** Bytes of blobs this repository shares with other repositories of its account. */
  sharedBytes: number;
  /** Its share of the account's bytes: each blob split equally among the repositories that link it. */
  attributedBytes: number;
  /** The part of attributedBytes in archive storage (blobs only archived images use). */
  archiveBytes: number;
  imageCount: number;
  tagCount: number;
}

/** A blob linked to a repository, with how many of the repository's images use it. */
export interface BlobLinkFact {
  repositoryId: string;
  repositoryName: string;
  digest: string;
  size: number;
  /** Images (manifests) of the repository that reference it and are not archived. */
  activeRefs: number;
  /** Archived images of the repository that reference it. */
  archivedRefs: number;
}

/** A repository's image and tag counts. */
export interface RepositoryCounts {
  repositoryId: string;
  repositoryName: string;
  images: number;
  tags: number;
}
