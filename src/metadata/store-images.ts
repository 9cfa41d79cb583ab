// The image index of the metadata port: a repository's manifests seen as ECR images, with their
// tags, sizes and last pulls. Adapter: kysely-images.ts.
import type { ImageId, ImageRecord, TagStatus } from '../domain/records/images.js';
import type { Page } from './store-repositories.js';

/** Which images a listing includes by ECR's imageStatus (ANY: all of them). */
export type ImageStatusFilter = 'ACTIVE' | 'ARCHIVED' | 'ACTIVATING' | 'ANY';

/** The image view of a repository's manifests (the ECR image actions). */
export interface ImageIndex {
  /** Image ids ordered by digest then tag (byte order), strictly after `after`; of images in `imageStatus` (default ANY). */
  ids(
    repositoryId: string,
    tagStatus: TagStatus,
    page: { after?: ImageId; limit: number },
    imageStatus?: ImageStatusFilter,
  ): Promise<ImageId[]>;
  /** Images ordered by digest, strictly after the digest `last`; those in `imageStatus` (default ANY). */
  list(repositoryId: string, tagStatus: TagStatus, page: Page, imageStatus?: ImageStatusFilter): Promise<ImageRecord[]>;
  /** The images among these digests (missing ones are left out), in no particular order. */
  get(repositoryId: string, digests: string[]): Promise<ImageRecord[]>;
  /**
   * Image sizes: the blobs an image manifest references (config and layers) added up; for an
   * index, the largest of its child images. Digests without referenced content are left out.
   */
  sizes(repositoryId: string, digests: string[]): Promise<Map<string, number>>;
  /** Manifests of the repository that name `digest` as a child (indexes over it). */
  parents(repositoryId: string, digest: string): Promise<string[]>;
  /** Whether a manifest of the repository references the blob. */
  referencesBlob(repositoryId: string, digest: string): Promise<boolean>;
  /** Records a pull at `at`, unless a later one is recorded already. */
  recordPull(repositoryId: string, digest: string, at: number): Promise<void>;
}
