// The records of the image index (metadata/store-images.ts): a repository's manifests seen as ECR
// images.
import type { ManifestRecord } from './manifests.js';

/** Which images a listing includes: those with a tag, those without, or all. */
export type TagStatus = 'TAGGED' | 'UNTAGGED' | 'ANY';

/** One entry of an image listing: a tag and its manifest, or an untagged manifest (tag null). */
export interface ImageId {
  digest: string;
  tag: string | null;
}

/** A manifest seen as an image: with its tags and the last recorded pull. */
export interface ImageRecord extends ManifestRecord {
  /** In byte order. */
  tags: string[];
  lastPulledAt: number | null;
  /** ECR's imageStatus: ARCHIVED images are listed but not pullable; ACTIVATING while a restore runs. Absent means ACTIVE. */
  imageStatus?: 'ACTIVE' | 'ARCHIVED' | 'ACTIVATING';
  /** When the image was last archived, and last restored (ECR's lastArchivedAt, lastActivatedAt). */
  lastArchivedAt?: number | null;
  lastActivatedAt?: number | null;
}
