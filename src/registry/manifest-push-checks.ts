// The checks a manifest push passes before anything is stored: its blobs and child manifests are
// in the repository with the sizes it says, immutable tags do not move, and whether the
// repository holds it already (nothing to write).
import { parseDigest } from '../domain/digest.js';
import { RegistryError } from '../domain/errors.js';
import type { ParsedManifest } from '../domain/manifest.js';
import { EMPTY_JSON } from '../domain/media-types.js';
import type { Repository } from '../domain/records/repositories.js';
import { ImmutableTagError, isTagImmutable } from '../domain/tag-mutability.js';
import type { MetadataStore } from '../metadata/store.js';
import type { BlobSightings } from './blob-sightings.js';
import type { ManifestFormats } from './manifest-formats.js';

/** The `reason` of a missing child manifest in MANIFEST_BLOB_UNKNOWN's `missing` detail. */
export const MISSING_MANIFEST = 'manifest not found in repository';

export class ManifestPushChecks {
  constructor(
    private readonly store: Pick<MetadataStore, 'blobs' | 'manifests' | 'tags'>,
    private readonly formats: ManifestFormats,
    private readonly sightings: BlobSightings,
  ) {}

  /** An immutable tag may be pushed again with its manifest, never moved to another one. */
  async checkImmutableTags(repository: Repository, tags: string[], digest: string): Promise<void> {
    for (const tag of tags) {
      if (!isTagImmutable(repository, tag)) continue;
      const current = await this.store.tags.resolve(repository.id, tag);
      if (current && current.digest !== digest) throw new ImmutableTagError(tag, repository.name);
    }
  }

  /**
   * Every blob and child manifest the manifest names must be in the repository already (one
   * not created yet has none). Returns whether the well-known empty blob must be linked.
   */
  async checkReferences(repository: Repository | undefined, manifest: ParsedManifest): Promise<boolean> {
    const missing: { digest: string; reason: string }[] = [];
    let needsEmptyBlob = false;
    for (const blob of manifest.blobs) {
      let size = repository && (await this.store.blobs.linkedSize(repository.id, blob.digest));
      if (size === undefined && blob.digest === EMPTY_JSON.digest) {
        size = EMPTY_JSON.size;
        needsEmptyBlob = true;
      }
      if (size === undefined) missing.push({ digest: blob.digest, reason: 'blob not found in repository' });
      else await this.sightings.seen(blob.digest);
      if (size === undefined) continue;
      if (!manifest.unsized && size !== blob.size) {
        throw new RegistryError(
          'MANIFEST_INVALID',
          `descriptor of ${blob.digest} says ${blob.size} bytes, the blob has ${size}`,
          { digest: blob.digest },
        );
      }
    }
    const present = repository
      ? await this.store.manifests.existing(
          repository.id,
          manifest.manifests.map((m) => m.digest),
        )
      : new Set<string>();
    for (const child of manifest.manifests) {
      if (!present.has(child.digest)) missing.push({ digest: child.digest, reason: MISSING_MANIFEST });
    }
    if (missing.length > 0) {
      throw new RegistryError(
        'MANIFEST_BLOB_UNKNOWN',
        `manifest references ${missing.length} unknown blob(s) or manifest(s): ${missing[0]!.digest}`,
        { missing },
      );
    }
    return needsEmptyBlob;
  }

  /** Whether the repository has the manifest with every one of these tags on it already. */
  async holds(repository: Repository, digest: string, tags: string[]): Promise<boolean> {
    if (!(await this.store.manifests.get(repository.id, digest))) return false;
    for (const tag of tags) {
      if ((await this.store.tags.resolve(repository.id, tag))?.digest !== digest) return false;
    }
    return true;
  }

  /** The OCI empty blob (`{}`) is well known: store and link it rather than refuse an artifact. */
  async linkEmptyBlob(repository: Repository): Promise<void> {
    await this.formats.keep(repository, parseDigest(EMPTY_JSON.digest), EMPTY_JSON.bytes);
    await this.store.blobs.link(repository.id, EMPTY_JSON.digest, EMPTY_JSON.size);
  }
}
