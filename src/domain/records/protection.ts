// The records of the deletion protection and trash indexes (metadata/store-protection.ts,
// metadata/store-trash.ts).
import type { ManifestRecord } from './manifests.js';

/** A repository, or the tags of it a wildcard pattern matches, that no deletion may remove. */
export interface DeletionProtection {
  repositoryId: string;
  repositoryName: string;
  /** Null: the whole repository (every image, and the repository itself). */
  tagPattern: string | null;
  createdAt: number;
  /** Who added it (free text: the operator's name, an ARN), when given. */
  createdBy: string | null;
}

/** A deleted manifest as the trash keeps it: enough to put it back exactly. */
export interface TrashEntry {
  manifest: ManifestRecord;
  repositoryName: string;
  lastPulledAt: number | null;
  /** Its tags when it was deleted. */
  tags: string[];
  /** The blobs and child manifests it references. */
  references: string[];
  /** The deleting principal's ARN, `lifecycle:<rule priority>`, or `gc:untagged` (gc.deleteUntagged). */
  deletedBy: string;
  deletedAt: number;
}

/** What restoring one trash entry did. */
export type TrashRestoreOutcome =
  | { restored: false }
  | {
      restored: true;
      /** Tags put back on the manifest. */
      tags: string[];
      /** Tags that point at another manifest now: left where they are. */
      taken: { tag: string; digest: string }[];
    };
