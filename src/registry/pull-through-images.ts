// The pull-through cache's storing of images that came from the upstream: a manifest is put
// through the registry's own put path (GC, lifecycle, replication and push listeners all apply)
// once everything it references is here; until then it is pending (served again as it is) while
// what no pull asked for is fetched in the background. A stored tag has its upstream check noted
// (the refresh interval runs from there), and the upstream's referrers of a stored image follow it.
import { RegistryError } from '../domain/errors.js';
import { type ParsedManifest, parseManifest } from '../domain/manifest.js';
import type { EventDeliveryInput } from '../domain/records/events.js';
import type { RequestContext } from '../domain/request-context.js';
import type { UpstreamManifest, UpstreamRepository } from '../domain/upstream-source.js';
import type { MetadataStore } from '../metadata/store.js';
import type { BlobFetches } from './pull-through-blobs.js';
import { accountContext } from './replication-copy.js';
import type { RegistryServices } from './services.js';

export interface PullThroughLog {
  warn(fields: object, message: string): void;
  info(fields: object, message: string): void;
}

export interface UpstreamImageOptions {
  /** How long after a manifest is served from upstream its unpulled blobs are fetched in the background. */
  completionDelayMs: number;
  log?: PullThroughLog;
  /**
   * The outbox rows of an image that landed from upstream (the "ECR Pull Through Cache Action"
   * event), written in the transaction that stores its manifest.
   */
  events?: (
    accountId: string,
    image: { repositoryName: string; repositoryPrefix: string; upstream: string; digest: string; tag?: string },
  ) => Promise<EventDeliveryInput[]>;
}

/** A miss: the repository or the manifest or blob is not here. */
export function isMiss(err: unknown): boolean {
  return (
    err instanceof RegistryError &&
    (err.code === 'NAME_UNKNOWN' || err.code === 'MANIFEST_UNKNOWN' || err.code === 'BLOB_UNKNOWN')
  );
}

export class UpstreamImages {
  /** Manifests served from upstream and not stored yet (their blobs are on their way): served again as they are. */
  private readonly pending = new Map<string, UpstreamManifest>();
  /** The background stores of those manifests, by the same key (`account/name:reference`). */
  private readonly puts = new Map<string, Promise<void>>();

  constructor(
    private readonly store: Pick<MetadataStore, 'pullThrough' | 'repositories'>,
    private readonly services: Pick<RegistryServices, 'manifests' | 'blobs'>,
    private readonly fetches: BlobFetches,
    private readonly options: UpstreamImageOptions,
  ) {}

  /** The manifest served from upstream for `account/name:reference` and not stored yet. */
  pendingOf(accountId: string, name: string, reference: string): UpstreamManifest | undefined {
    return this.pending.get(`${accountId}/${name}:${reference}`);
  }

  /** Waits for the background stores of the repository's images (one may reference a blob just fetched). */
  async settled(accountId: string, name: string): Promise<void> {
    const prefix = `${accountId}/${name}:`;
    const storing = [...this.puts].filter(([key]) => key.startsWith(prefix)).map(([, put]) => put.catch(() => {}));
    await Promise.all(storing);
  }

  /** Stores the manifest now when everything it references is here, else once the rest is fetched. */
  async keep(
    name: string,
    reference: string,
    manifest: UpstreamManifest,
    upstream: UpstreamRepository,
    accountId: string,
    wait = false,
  ): Promise<void> {
    const storeCtx = accountContext(accountId);
    const parsed = await parseManifest(manifest.bytes, manifest.mediaType);
    if (await this.complete(storeCtx, name, parsed)) {
      await this.put(storeCtx, name, reference, manifest, upstream);
      return;
    }
    // The ECR API's pulls (BatchGetImage) read the stored image: everything is fetched first.
    if (wait) return this.completeAndPut(storeCtx, name, reference, manifest, parsed, upstream);
    const key = `${accountId}/${name}:${reference}`;
    if (this.pending.has(key)) return;
    this.pending.set(key, manifest);
    const stored = new Promise<void>((resolve) =>
      setTimeout(
        () => resolve(this.completeAndPut(storeCtx, name, reference, manifest, parsed, upstream)),
        this.options.completionDelayMs,
      ).unref(),
    );
    this.puts.set(key, stored);
    stored
      .catch((err: unknown) =>
        this.options.log?.warn(
          { err, repository: name, reference, upstream: upstream.location },
          'caching an image from the upstream failed; the next pull tries again',
        ),
      )
      .finally(() => {
        this.pending.delete(key);
        this.puts.delete(key);
      });
  }

  /** True when the manifest's blobs and child manifests are all in the repository. */
  private async complete(storeCtx: RequestContext, name: string, parsed: ParsedManifest): Promise<boolean> {
    const digests = parsed.blobs.map((b) => b.digest);
    const sizes = digests.length > 0 ? await this.services.blobs.sizes(storeCtx, name, digests) : new Map();
    if (digests.some((d) => !sizes.has(d))) return false;
    for (const child of parsed.manifests) {
      try {
        await this.services.manifests.stat(storeCtx, name, child.digest);
      } catch (err) {
        if (isMiss(err)) return false;
        throw err;
      }
    }
    return true;
  }

  /** Fetches what the manifest references (children first, each once) and stores it. */
  private async completeAndPut(
    storeCtx: RequestContext,
    name: string,
    reference: string,
    manifest: UpstreamManifest,
    parsed: ParsedManifest,
    upstream: UpstreamRepository,
  ): Promise<void> {
    for (const child of parsed.manifests) {
      try {
        await this.services.manifests.stat(storeCtx, name, child.digest);
        continue;
      } catch (err) {
        if (!isMiss(err)) throw err;
      }
      const fetched = await upstream.manifest(child.digest);
      const childParsed = await parseManifest(fetched.bytes, fetched.mediaType);
      await this.completeAndPut(storeCtx, name, child.digest, fetched, childParsed, upstream);
    }
    for (const blob of parsed.blobs) await this.fetches.ensure(storeCtx, name, blob.digest, upstream);
    await this.put(storeCtx, name, reference, manifest, upstream);
  }

  /** Stores a manifest (by tag: its check noted), then, in the background, its upstream referrers. */
  private async put(
    storeCtx: RequestContext,
    name: string,
    reference: string,
    manifest: UpstreamManifest,
    upstream: UpstreamRepository,
  ) {
    const events = this.options.events;
    await this.services.manifests.put(
      storeCtx,
      name,
      reference,
      manifest.bytes,
      manifest.mediaType,
      [],
      events &&
        (() =>
          events(storeCtx.registry.accountId, {
            repositoryName: name,
            repositoryPrefix: upstream.rulePrefix,
            upstream: upstream.location,
            digest: manifest.digest,
            ...(!reference.includes(':') && { tag: reference }),
          })),
    );
    this.cacheReferrers(storeCtx, name, manifest.digest, upstream).catch((err: unknown) =>
      this.options.log?.warn(
        { err, repository: name, digest: manifest.digest, upstream: upstream.location },
        'caching the referrers of an image failed',
      ),
    );
    if (reference.includes(':')) return;
    const repository = await this.store.repositories.get(storeCtx.registry.accountId, name);
    if (repository) await this.store.pullThrough.setTagChecked(repository.id, reference, Date.now());
  }

  /** The upstream's referrers of `digest` (signatures, SBOMs) not here yet, each stored with what it needs. */
  private async cacheReferrers(
    storeCtx: RequestContext,
    name: string,
    digest: string,
    upstream: UpstreamRepository,
  ): Promise<void> {
    for (const referrer of await upstream.referrers(digest)) {
      try {
        await this.services.manifests.stat(storeCtx, name, referrer);
        continue;
      } catch (err) {
        if (!isMiss(err)) throw err;
      }
      const fetched = await upstream.manifest(referrer);
      await this.completeAndPut(
        storeCtx,
        name,
        referrer,
        fetched,
        await parseManifest(fetched.bytes, fetched.mediaType),
        upstream,
      );
    }
  }
}
