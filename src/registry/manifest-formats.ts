// Serving a stored manifest in the format a client accepts (pull by tag): as stored, converted
// (Docker ↔ OCI, lists ↔ indexes, schema 2 → signed schema 1) or the default platform's child of a
// list. Conversions are kept (metadata + content-addressed bytes), so a converted digest a client
// was given resolves later on any node, and the same request always gets the same bytes.
// Manifest bytes, stored and converted, are sealed blobs like layers (data-keys.ts): every read
// is one of a repository, through that repository's wrap of the blob's data key.
import type { KeyObject } from 'node:crypto';
import {
  familyOf,
  IMAGE_TYPE,
  LIST_TYPE,
  convertImage,
  convertList,
  type Family,
} from '../domain/conversions/docker-oci.js';
import { signPrettyJws } from '../domain/conversions/jws.js';
import {
  plan,
  selectPlatform,
  servableFormats,
  type Accepted,
  type Platform,
} from '../domain/conversions/negotiate.js';
import { GZIPPED_EMPTY_TAR, toSchema1Payload } from '../domain/conversions/to-schema1.js';
import { digestOf, parseDigest, type Digest } from '../domain/digest.js';
import { RegistryError } from '../domain/errors.js';
import type { Descriptor } from '../domain/manifest.js';
import { jsonDepthWithin, MAX_JSON_DEPTH } from '../domain/strict-json.js';
import { MediaTypes, isSchema1 } from '../domain/media-types.js';
import type { MetadataStore } from '../metadata/store.js';
import type { Repository } from '../domain/records/repositories.js';
import type { BlobStore } from '../storage/blob-store.js';
import { IntegrityError } from '../domain/integrity.js';
import { KmsError } from '../domain/kms-errors.js';
import type { ContentCache } from './content-cache.js';
import type { DataKeys } from './data-keys.js';

/** A manifest as served: stored or converted. `source` is the stored manifest it comes from. */
export interface Served {
  digest: string;
  mediaType: string;
  size: number;
  /** The blob holding the bytes when it is not `digest` (signed schema 1). */
  contentDigest?: string | null;
  source: string;
}

interface StoredLike {
  digest: string;
  mediaType: string;
  size: number;
  artifactType: string | null;
  subjectDigest: string | null;
  contentDigest?: string;
  createdAt: number;
}

export interface FormatOptions {
  defaultPlatform: Platform;
  /** The largest image config read to convert to schema 1. */
  maxConfigBytes: number;
}

const IMAGE_CONFIGS = new Set<string>([MediaTypes.ociConfig, MediaTypes.dockerConfig]);

function isArtifact(record: StoredLike): boolean {
  if (record.subjectDigest) return true;
  if (record.mediaType === MediaTypes.ociManifest || record.mediaType === MediaTypes.dockerManifest)
    return !IMAGE_CONFIGS.has(record.artifactType ?? '');
  return record.artifactType !== null;
}

export class ManifestFormats {
  constructor(
    private readonly store: Pick<MetadataStore, 'blobs' | 'conversions' | 'manifests'>,
    private readonly blobs: BlobStore,
    private readonly cache: ContentCache,
    private readonly keys: DataKeys,
    /** The deployment's schema 1 signing key, loaded (or made) on first use. */
    private readonly signingKey: () => Promise<KeyObject>,
    private readonly options: FormatOptions,
  ) {}

  /** The bytes of a stored or converted manifest, for a read in the repository (whose key must be usable, cached or not). */
  async read(repository: Repository, manifest: { digest: string; contentDigest?: string | null }): Promise<Buffer> {
    await this.keys.assertReadable(repository);
    const digest = manifest.contentDigest ?? manifest.digest;
    const cached = this.cache.get(digest);
    if (cached) return cached;
    const bytes = await this.readBlob(repository, parseDigest(digest));
    this.cache.set(digest, bytes);
    return bytes;
  }

  private readBlob(repository: Repository, digest: Digest): Promise<Buffer> {
    return this.blobs.read(digest, this.keys.access(repository, digest.value));
  }

  /**
   * Stores verified bytes sealed with a new data key wrapped for the repository, unless they are
   * stored already and the repository can have a wrap of their key.
   */
  async keep(repository: Repository, digest: Digest, bytes: Uint8Array): Promise<void> {
    // A stored copy the repository cannot read (no usable wrap of its key, or bytes that are not
    // a sealed blob, such as one stored before encryption at rest) is replaced by this one.
    try {
      const stored = await this.blobs.dataKeyId(digest);
      if (stored !== undefined) {
        await this.keys.forBlob(repository, digest.value, stored);
        return;
      }
    } catch (err) {
      if (!(err instanceof KmsError) && !(err instanceof IntegrityError)) throw err;
    }
    const fresh = this.keys.fresh();
    await this.keys.record(repository, digest.value, fresh.key.id, fresh.raw);
    await this.blobs.put(digest, bytes, fresh.key, fresh.header);
  }

  /** Keeps just-stored manifest bytes in memory: the pull that follows a push reads no disk. */
  remember(contentDigest: string, bytes: Buffer): void {
    this.cache.set(contentDigest, bytes);
  }

  /**
   * Lets go of a deleted manifest's cached bytes. The cache is by digest across repositories, so
   * another repository with the same manifest reads it from storage once more; without this, the
   * bytes of deleted manifests filled the cache up to its bound.
   */
  forget(digest: string): void {
    this.cache.delete(digest);
  }

  /** A conversion of one of the repository's manifests, by the converted digest. */
  async byDigest(repository: Repository, digest: string): Promise<Served | undefined> {
    const conversion = await this.store.conversions.byDigest(repository.id, digest);
    return (
      conversion && {
        digest: conversion.digest,
        mediaType: conversion.mediaType,
        size: conversion.size,
        contentDigest: conversion.contentDigest,
        source: conversion.sourceDigest,
      }
    );
  }

  /** What a client with `accepted` gets for the manifest a tag names. */
  async negotiate(repository: Repository, record: StoredLike, accepted: Accepted, tag: string): Promise<Served> {
    const artifact = isArtifact(record);
    const decision = plan(record.mediaType, accepted, { artifact });
    const asStored = { ...record, source: record.digest };
    // A client that named no type accepts anything: what cannot be made for it is served as stored.
    const orAsStored = (err: unknown): Served => {
      if (accepted.legacy && err instanceof RegistryError && err.code === 'MANIFEST_UNKNOWN') return asStored;
      throw err;
    };
    switch (decision.action) {
      case 'serve':
        return asStored;
      case 'convert':
        return this.convert(repository, record, decision.to, tag).catch(orAsStored);
      case 'platform':
        return this.platformChild(repository, record).then(
          (child) => this.negotiate(repository, child, accepted, tag),
          orAsStored,
        );
      case 'refuse':
        throw new RegistryError(
          'MANIFEST_UNKNOWN',
          `${repository.name}:${tag} exists only as ${servableFormats(record.mediaType, artifact).join(', ')}, none of which the request accepts`,
          {
            tag,
            available: servableFormats(record.mediaType, artifact),
            accepted: [...accepted.types],
          },
        );
    }
  }

  private async platformChild(repository: Repository, list: StoredLike): Promise<StoredLike> {
    const body = (await this.readBody(repository, list)) as { manifests: Descriptor[] };
    const { os, architecture, variant } = this.options.defaultPlatform;
    const name = [os, architecture, variant].filter(Boolean).join('/');
    const entry = selectPlatform(body.manifests, this.options.defaultPlatform);
    const child = entry && (await this.store.manifests.get(repository.id, entry.digest));
    if (!child) {
      throw new RegistryError(
        'MANIFEST_UNKNOWN',
        `the list has no ${name} image, and the request accepts no list type`,
        { available: servableFormats(list.mediaType, false), platform: name },
      );
    }
    return child;
  }

  private async convert(repository: Repository, record: StoredLike, to: string, tag: string): Promise<Served> {
    // Schema 1 names the repository and tag it was made for; the other formats do not.
    const variant = isSchema1(to) ? `${to};tag=${tag}` : to;
    const kept = await this.store.conversions.get(repository.id, record.digest, variant);
    if (kept) return { ...kept, source: record.digest };
    const body = await this.readBody(repository, record);
    let bytes: Buffer;
    let digest: string;
    let contentDigest: string | null = null;
    if (isSchema1(to)) {
      const layers = body.layers as Descriptor[];
      const payload = toSchema1Payload(
        layers,
        await this.config(repository, body.config as Descriptor),
        repository.name,
        tag,
      );
      if (payload.includes(GZIPPED_EMPTY_TAR.digest)) await this.linkEmptyTar(repository);
      // The source's creation time signs: the same conversion is the same bytes on every node.
      bytes = signPrettyJws(payload, await this.signingKey(), new Date(record.createdAt));
      digest = digestOf(payload);
      contentDigest = digestOf(bytes);
    } else {
      const family = familyOf(to)!;
      bytes =
        to === IMAGE_TYPE[family]
          ? convertImage(body, family)
          : convertList(body, family, await this.children(repository, body, family, tag));
      digest = digestOf(bytes);
    }
    await this.keep(repository, parseDigest(contentDigest ?? digest), bytes);
    const stored = await this.store.conversions.put({
      repositoryId: repository.id,
      sourceDigest: record.digest,
      variant,
      digest,
      mediaType: to,
      size: bytes.length,
      contentDigest,
      createdAt: Date.now(),
    });
    if (!stored) throw new RegistryError('MANIFEST_UNKNOWN', `manifest ${record.digest} was deleted`);
    // Another node may have kept its conversion first: serve that one, as every node will.
    return { ...stored, source: record.digest };
  }

  /** Each child of a list converted to `family` (children already in it stay as they are). */
  private async children(
    repository: Repository,
    body: Record<string, unknown>,
    family: Family,
    tag: string,
  ): Promise<Map<string, { digest: string; size: number }>> {
    const out = new Map<string, { digest: string; size: number }>();
    for (const entry of (body.manifests ?? []) as Descriptor[]) {
      if (familyOf(entry.mediaType) === family) {
        out.set(entry.digest, entry);
        continue;
      }
      const child = await this.store.manifests.get(repository.id, entry.digest);
      if (!child || isArtifact(child)) continue;
      const target =
        entry.mediaType === MediaTypes.dockerManifestList || entry.mediaType === MediaTypes.ociIndex
          ? LIST_TYPE[family]
          : IMAGE_TYPE[family];
      try {
        out.set(entry.digest, await this.convert(repository, child, target, tag));
      } catch (err) {
        if (!(err instanceof RegistryError) || err.code !== 'MANIFEST_UNKNOWN') throw err;
      }
    }
    return out;
  }

  /**
   * A stored manifest's JSON, to convert. One stored before pushes bounded their nesting, deeper
   * than a conversion can re-serialize, has no other format: MANIFEST_UNKNOWN, never a stack overflow.
   */
  private async readBody(repository: Repository, record: StoredLike): Promise<Record<string, unknown>> {
    const text = (await this.read(repository, record)).toString('utf8');
    if (!jsonDepthWithin(text, MAX_JSON_DEPTH)) {
      throw new RegistryError(
        'MANIFEST_UNKNOWN',
        `manifest ${record.digest} nests deeper than ${MAX_JSON_DEPTH} levels and is served only as stored`,
      );
    }
    return JSON.parse(text) as Record<string, unknown>;
  }

  private async config(repository: Repository, config: Descriptor): Promise<Buffer> {
    const size = await this.store.blobs.linkedSize(repository.id, config.digest);
    if (size === undefined)
      throw new RegistryError('MANIFEST_UNKNOWN', `the image config ${config.digest} is not in the repository`);
    if (size > this.options.maxConfigBytes)
      throw new RegistryError(
        'MANIFEST_UNKNOWN',
        `the image config is too large to convert to schema 1 (${size} bytes)`,
      );
    return this.readBlob(repository, parseDigest(config.digest));
  }

  /** History entries without a layer are the empty tar in schema 1: it must be pullable here. */
  private async linkEmptyTar(repository: Repository): Promise<void> {
    await this.keep(repository, parseDigest(GZIPPED_EMPTY_TAR.digest), GZIPPED_EMPTY_TAR.bytes);
    await this.store.blobs.link(repository.id, GZIPPED_EMPTY_TAR.digest, GZIPPED_EMPTY_TAR.bytes.length);
  }
}
