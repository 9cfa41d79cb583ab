// `berth bundle export`: a repository's tagged images, with everything they hold and every
// referrer (signatures, SBOMs, and their own referrers), as an OCI image layout in a tar stream.
// The manifests are read first (they are small); then the layout is written: oci-layout,
// index.json (a ref.name annotation per tag, the referrers as untagged entries, the repository's
// name in an annotation), the manifests, then each blob once, piped from the registry into its
// tar entry and checked against its digest on the way. Memory does not grow with blob size.
import type { Writable } from 'node:stream';
import { createHasher, tryParseDigest } from '../domain/digest.js';
import { type Descriptor, parseManifest } from '../domain/manifest.js';
import { isSchema1, MediaTypes } from '../domain/media-types.js';
import type { RegistryClient } from './registry.js';
import { TarWriter } from './tar.js';

export const REF_NAME = 'org.opencontainers.image.ref.name';
/** index.json's annotation naming the repository a bundle was exported from. */
export const REPOSITORY_ANNOTATION = 'dev.berth.bundle.repository';

export class BundleError extends Error {
  override name = 'BundleError';
}

export interface ExportSummary {
  tags: number;
  manifests: number;
  referrers: number;
  blobs: number;
  bytes: number;
}

interface Held {
  descriptor: Descriptor;
  bytes: Buffer;
}

/** The path of a blob in the layout: blobs/<algorithm>/<hex>. */
export function blobPath(digest: string): string {
  const parsed = tryParseDigest(digest);
  if (!parsed) throw new BundleError(`not a digest: ${digest}`);
  return `blobs/${parsed.algorithm}/${parsed.hex}`;
}

/** Reads the manifests of the chosen tags and of their referrers, recursively. */
class Collector {
  readonly manifests = new Map<string, Held>();
  readonly blobs = new Map<string, Descriptor>();
  readonly entries: Descriptor[] = [];
  referrers = 0;

  constructor(
    private readonly client: RegistryClient,
    private readonly repository: string,
  ) {}

  async tag(tag: string): Promise<void> {
    const fetched = await this.client.manifest(this.repository, tag);
    const descriptor = { mediaType: fetched.mediaType, digest: fetched.digest, size: fetched.bytes.length };
    this.entries.push({ ...descriptor, annotations: { [REF_NAME]: tag } });
    await this.visit(descriptor, fetched.bytes);
  }

  private async visit(descriptor: Descriptor, bytes: Buffer): Promise<void> {
    if (this.manifests.has(descriptor.digest)) return;
    if (isSchema1(descriptor.mediaType))
      throw new BundleError(
        `${this.repository}@${descriptor.digest} is a Docker schema 1 manifest, which an OCI image layout cannot hold`,
      );
    this.manifests.set(descriptor.digest, { descriptor, bytes });
    const parsed = await parseManifest(bytes, descriptor.mediaType);
    for (const blob of parsed.blobs) this.blobs.set(blob.digest, blob);
    for (const child of parsed.manifests) {
      const fetched = await this.client.manifest(this.repository, child.digest);
      await this.visit({ ...child, mediaType: child.mediaType || fetched.mediaType }, fetched.bytes);
    }
    for (const referrer of await this.client.referrers(this.repository, descriptor.digest)) {
      if (this.manifests.has(referrer.digest)) continue;
      const fetched = await this.client.manifest(this.repository, referrer.digest);
      const entry: Descriptor = {
        mediaType: referrer.mediaType,
        digest: referrer.digest,
        size: fetched.bytes.length,
        ...(referrer.artifactType && { artifactType: referrer.artifactType }),
      };
      await this.visit(entry, fetched.bytes);
      this.entries.push(entry);
      this.referrers++;
    }
  }
}

/** Pipes a blob from the registry, refusing bytes that are not the descriptor's. */
async function* checked(body: AsyncIterable<Buffer>, descriptor: Descriptor): AsyncGenerator<Buffer> {
  const parsed = tryParseDigest(descriptor.digest);
  if (!parsed) throw new BundleError(`not a digest: ${descriptor.digest}`);
  const hasher = createHasher(parsed.algorithm);
  let size = 0;
  for await (const chunk of body) {
    hasher.update(chunk);
    size += chunk.length;
    yield chunk;
  }
  const actual = `${parsed.algorithm}:${hasher.digest('hex')}`;
  if (size !== descriptor.size || actual !== descriptor.digest)
    throw new BundleError(
      `blob ${descriptor.digest}: the registry sent ${size} bytes of digest ${actual} (${descriptor.size} bytes expected)`,
    );
}

export async function exportBundle(
  client: RegistryClient,
  repository: string,
  tags: string[] | undefined,
  out: Writable,
): Promise<ExportSummary> {
  const all = await client.tags(repository);
  const chosen = tags?.length ? tags : all.sort();
  const missing = chosen.filter((t) => !all.includes(t));
  if (missing.length) throw new BundleError(`${repository} has no tag ${missing.join(', ')}`);
  if (!chosen.length) throw new BundleError(`${repository} has no tags to export`);

  const collector = new Collector(client, repository);
  for (const tag of chosen) await collector.tag(tag);

  const tar = new TarWriter(out);
  const json = (value: unknown) => Buffer.from(JSON.stringify(value));
  const layout = json({ imageLayoutVersion: '1.0.0' });
  await tar.entry('oci-layout', layout.length, layout);
  const index = json({
    schemaVersion: 2,
    mediaType: MediaTypes.ociIndex,
    manifests: collector.entries,
    annotations: { [REPOSITORY_ANNOTATION]: repository },
  });
  await tar.entry('index.json', index.length, index);
  const written = new Set<string>();
  for (const [digest, { bytes }] of collector.manifests) {
    written.add(digest);
    await tar.entry(blobPath(digest), bytes.length, bytes);
  }
  let bytes = 0;
  for (const [digest, descriptor] of collector.blobs) {
    if (written.has(digest)) continue;
    written.add(digest);
    const res = await client.blob(repository, digest);
    await tar.entry(blobPath(digest), descriptor.size, checked(res, descriptor));
    bytes += descriptor.size;
  }
  await tar.finish();
  return {
    tags: chosen.length,
    manifests: collector.manifests.size,
    referrers: collector.referrers,
    blobs: written.size - collector.manifests.size,
    bytes,
  };
}
