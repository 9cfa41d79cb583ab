// `berth bundle import`: an OCI image layout in a tar stream (a bundle, or any tool's oci-archive)
// into a repository, in one pass over the stream. Each blob is hashed as it is read and compared
// with its name; a large one is piped straight into its upload (the registry checks the digest
// too), so memory stays flat. Small JSON blobs that look like manifests are held until the end,
// when the layout's index says which are manifests: they are pushed children first (an index's
// images, then the index; subjects before their referrers), then the tags. Blobs and manifests
// the registry already has are skipped (a HEAD first), so an interrupted import can run again.
import { Readable } from 'node:stream';
import { createHasher, tryParseDigest } from '../domain/digest.js';
import { type Descriptor, parseManifest } from '../domain/manifest.js';
import { manifestKind } from '../domain/media-types.js';
import { isRepositoryName, isTag } from '../domain/names.js';
import { BundleError, REF_NAME, REPOSITORY_ANNOTATION } from './bundle-export.js';
import type { RegistryClient } from './registry.js';
import { readAll, readTar, type TarEntry, TarError } from './tar.js';

/** Blobs up to this size are read whole (a registry takes manifests of 4 MiB at most). */
const SMALL = 4 * 1024 * 1024;

export interface ImportSummary {
  repository: string;
  tags: string[];
  manifests: number;
  blobsPushed: number;
  blobsPresent: number;
  bytes: number;
}

interface LayoutIndex {
  manifests: Descriptor[];
  annotations?: Record<string, string>;
}

function looksLikeManifest(bytes: Buffer): boolean {
  try {
    const body = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
    return typeof body === 'object' && body !== null && body.schemaVersion === 2;
  } catch {
    return false;
  }
}

function entryDigest(name: string): string {
  const match = /^blobs\/([a-z0-9]+)\/([a-zA-Z0-9=_-]+)$/.exec(name);
  const digest = match && tryParseDigest(`${match[1]}:${match[2]}`);
  if (!digest) throw new BundleError(`malformed layout: ${name} is not blobs/<algorithm>/<hex> of a digest`);
  return digest.value;
}

/** The entry's bytes, hashed as they pass; throws when they are not those of `digest`. */
async function* verified(entry: TarEntry, digest: string): AsyncGenerator<Buffer> {
  const parsed = tryParseDigest(digest)!;
  const hasher = createHasher(parsed.algorithm);
  for await (const piece of entry.body) {
    hasher.update(piece);
    yield piece;
  }
  const actual = `${parsed.algorithm}:${hasher.digest('hex')}`;
  if (actual !== digest) throw new BundleError(`${entry.name} is damaged: its bytes have digest ${actual}`);
}

function parseJson<T>(bytes: Buffer, what: string): T {
  try {
    return JSON.parse(bytes.toString('utf8')) as T;
  } catch {
    throw new BundleError(`malformed layout: ${what} is not JSON`);
  }
}

export class BundleImporter {
  private repository: string | undefined;
  private index: LayoutIndex | undefined;
  private layout = false;
  private readonly held = new Map<string, Buffer>();
  private readonly present = new Set<string>();
  private readonly summary = { manifests: 0, blobsPushed: 0, blobsPresent: 0, bytes: 0 };

  constructor(
    private readonly client: RegistryClient,
    repository: string | undefined,
  ) {
    if (repository !== undefined && !isRepositoryName(repository))
      throw new BundleError(`--repository ${repository}: not a repository name`);
    this.repository = repository;
  }

  private target(): string {
    if (this.repository) return this.repository;
    const named = this.index?.annotations?.[REPOSITORY_ANNOTATION];
    if (named === undefined)
      throw new BundleError(
        this.index
          ? 'the bundle names no repository: give --repository'
          : 'the bundle names its repository only after its blobs: give --repository',
      );
    if (!isRepositoryName(named))
      throw new BundleError(`the bundle names the repository "${named}": give --repository`);
    this.repository = named;
    return named;
  }

  async run(input: AsyncIterable<Uint8Array>): Promise<ImportSummary> {
    try {
      for await (const entry of readTar(input)) await this.entry(entry);
    } catch (err) {
      if (err instanceof TarError) throw new BundleError(`malformed bundle: ${err.message}`);
      throw err;
    }
    if (!this.layout) throw new BundleError('malformed layout: no oci-layout file');
    if (!this.index) throw new BundleError('malformed layout: no index.json');
    const repository = this.target();
    for (const descriptor of this.index.manifests) await this.pushManifest(repository, descriptor);
    const tags: string[] = [];
    for (const descriptor of this.index.manifests) {
      const tag = descriptor.annotations?.[REF_NAME];
      if (tag === undefined) continue;
      if (!isTag(tag)) throw new BundleError(`index.json names a manifest "${tag}", which is not a tag`);
      await this.client.putManifest(repository, tag, descriptor.mediaType, this.held.get(descriptor.digest)!);
      tags.push(tag);
    }
    return { repository, tags, ...this.summary };
  }

  private async entry(entry: TarEntry): Promise<void> {
    if (entry.name === 'oci-layout') {
      const layout = parseJson<{ imageLayoutVersion?: unknown }>(await readAll(entry.body), 'oci-layout');
      if (typeof layout?.imageLayoutVersion !== 'string')
        throw new BundleError('malformed layout: oci-layout has no imageLayoutVersion');
      this.layout = true;
      return;
    }
    if (entry.name === 'index.json') {
      if (entry.size > SMALL) throw new BundleError('malformed layout: index.json is too large');
      const index = parseJson<LayoutIndex>(await readAll(entry.body), 'index.json');
      if (!Array.isArray(index?.manifests)) throw new BundleError('malformed layout: index.json has no manifests');
      this.index = index;
      return;
    }
    if (!entry.name.startsWith('blobs/')) return;
    const digest = entryDigest(entry.name);
    if (entry.size <= SMALL) {
      const bytes = await readAll(verified(entry, digest));
      if (looksLikeManifest(bytes)) this.held.set(digest, bytes);
      else await this.pushBlob(digest, bytes.length, () => Readable.from([bytes]));
      return;
    }
    await this.pushBlob(digest, entry.size, () => Readable.from(verified(entry, digest)));
  }

  private async pushBlob(digest: string, size: number, body: () => Readable): Promise<void> {
    if (this.present.has(digest)) return;
    const repository = this.target();
    if (await this.client.hasBlob(repository, digest)) {
      this.summary.blobsPresent++;
    } else {
      const stream = body();
      try {
        await this.client.pushBlob(repository, digest, size, stream);
      } catch (err) {
        // The bundle's own damage says more than the registry's refusal of the upload it cut short.
        if (stream.errored instanceof BundleError) throw stream.errored;
        throw err;
      }
      this.summary.blobsPushed++;
      this.summary.bytes += size;
    }
    this.present.add(digest);
  }

  /** A blob a manifest needs: in the registry already, or held (a small JSON blob), else missing from the bundle. */
  private async needBlob(repository: string, blob: Descriptor): Promise<void> {
    if (this.present.has(blob.digest)) return;
    const held = this.held.get(blob.digest);
    if (held) return this.pushBlob(blob.digest, held.length, () => Readable.from([held]));
    if (await this.client.hasBlob(repository, blob.digest)) {
      this.present.add(blob.digest);
      return;
    }
    throw new BundleError(`the bundle lacks blob ${blob.digest}`);
  }

  private async pushManifest(repository: string, descriptor: Descriptor, depth = 0): Promise<void> {
    if (this.present.has(descriptor.digest)) return;
    if (depth > 8) throw new BundleError('malformed layout: indexes nested too deep');
    const bytes = this.held.get(descriptor.digest);
    if (!bytes) throw new BundleError(`the bundle lacks manifest ${descriptor.digest}`);
    const parsed = await parseManifest(bytes, descriptor.mediaType).catch((err: Error) => {
      throw new BundleError(`manifest ${descriptor.digest} in the bundle: ${err.message}`);
    });
    const mediaType = manifestKind(descriptor.mediaType) ? descriptor.mediaType : parsed.mediaType;
    for (const child of parsed.manifests) await this.pushManifest(repository, child, depth + 1);
    for (const blob of parsed.blobs) await this.needBlob(repository, blob);
    if (parsed.subject && this.held.has(parsed.subject.digest))
      await this.pushManifest(repository, parsed.subject, depth + 1);
    if (!(await this.client.hasManifest(repository, descriptor.digest))) {
      await this.client.putManifest(repository, descriptor.digest, mediaType, bytes);
      this.summary.manifests++;
    }
    this.present.add(descriptor.digest);
  }
}
