// The pull-through cache on the registry protocol: a pull from a repository that a rule maps to an
// upstream (domain/upstream-source.ts) is served locally when it can be; on a miss the repository
// is created (the PULL_THROUGH_CACHE creation template), the manifest fetched upstream and
// served, and stored once its blobs are (pull-through-images.ts): each blob is streamed to the
// first pull that asks while it is stored (pull-through-blobs.ts), and what no pull asked for is
// fetched in the background.
// Digests are never checked again; a tag is checked upstream at most once per refresh interval,
// and when the upstream is down, slow or limiting, the cached manifest is served (and logged).
import { Actions } from '../domain/actions.js';
import { RegistryError } from '../domain/errors.js';
import type { RepositoryCreator } from '../domain/repository-creation.js';
import type { RequestContext } from '../domain/request-context.js';
import {
  UpstreamError,
  type UpstreamManifest,
  type UpstreamRepository,
  type UpstreamSource,
} from '../domain/upstream-source.js';
import type { MetadataStore } from '../metadata/store.js';
import type { RepositoryAccess } from './access.js';
import type { ByteRange, BlobContent } from './blobs.js';
import type { AcceptHeader, StoredManifest } from './manifests.js';
import { BlobFetches, type BlobFetchOptions, upstreamFailure } from './pull-through-blobs.js';
import { isMiss, type PullThroughLog, UpstreamImages, type UpstreamImageOptions } from './pull-through-images.js';
import { accountContext } from './replication-copy.js';
import type { RegistryServices } from './services.js';

export type { PullThroughLog };

export interface PullThroughOptions extends BlobFetchOptions, UpstreamImageOptions {
  /** How long a cached tag is served before the upstream is asked again (ms). */
  refreshMs: number;
}

type Served = StoredManifest & { bytes: Buffer };

/**
 * A HEAD (a client looking before it pushes, or before it pulls) that the upstream cannot answer
 * now is answered as the miss it is here (404), so pushes to a repository a ROOT rule covers go on
 * while the upstream is down.
 */
function localMissWhenUnavailable(code: 'MANIFEST_UNKNOWN' | 'BLOB_UNKNOWN') {
  return (err: unknown): never => {
    if (err instanceof RegistryError && (err.status === 502 || err.code === 'TOOMANYREQUESTS'))
      throw new RegistryError(code, `not cached, and the upstream is unavailable: ${err.message}`);
    throw err;
  };
}

export class PullThroughCache {
  private readonly fetches: BlobFetches;
  private readonly images: UpstreamImages;
  /** Upstream manifest fetches under way, shared by the pulls that ask at the same time. */
  private readonly manifestFlights = new Map<string, Promise<UpstreamManifest>>();

  constructor(
    private readonly store: Pick<MetadataStore, 'pullThrough' | 'repositories' | 'tags'>,
    private readonly services: Pick<RegistryServices, 'manifests' | 'blobs' | 'uploads'>,
    private readonly access: RepositoryAccess,
    private readonly creator: RepositoryCreator,
    private readonly source: UpstreamSource,
    private readonly options: PullThroughOptions,
  ) {
    this.fetches = new BlobFetches(store, services, options);
    this.images = new UpstreamImages(store, services, this.fetches, options);
  }

  /** The upstream repository of a private registry's repository, when a rule maps it. */
  private upstreamOf(ctx: RequestContext, name: string): Promise<UpstreamRepository | undefined> {
    if (ctx.registry.visibility !== 'private') return Promise.resolve(undefined);
    return this.source.resolve(ctx.registry.accountId, name);
  }

  async getManifest(ctx: RequestContext, name: string, reference: string, accept?: AcceptHeader): Promise<Served> {
    const upstream = await this.upstreamOf(ctx, name);
    if (!upstream) return this.services.manifests.get(ctx, name, reference, accept);
    let local: Served | undefined;
    try {
      local = await this.services.manifests.get(ctx, name, reference, accept);
    } catch (err) {
      if (!isMiss(err)) throw err;
    }
    if (local) return (await this.refreshed(ctx, name, reference, upstream)) ?? local;
    return this.miss(ctx, name, reference, upstream);
  }

  async statManifest(
    ctx: RequestContext,
    name: string,
    reference: string,
    accept?: AcceptHeader,
  ): Promise<StoredManifest> {
    const upstream = await this.upstreamOf(ctx, name);
    if (!upstream) return this.services.manifests.stat(ctx, name, reference, accept);
    let local: StoredManifest | undefined;
    try {
      local = await this.services.manifests.stat(ctx, name, reference, accept);
    } catch (err) {
      if (!isMiss(err)) throw err;
    }
    const served = local
      ? ((await this.refreshed(ctx, name, reference, upstream)) ?? local)
      : await this.miss(ctx, name, reference, upstream).catch(localMissWhenUnavailable('MANIFEST_UNKNOWN'));
    return { digest: served.digest, mediaType: served.mediaType, size: served.size };
  }

  async openBlob(
    ctx: RequestContext,
    name: string,
    digest: string,
    range?: (size: number) => ByteRange | undefined,
  ): Promise<BlobContent> {
    const upstream = await this.upstreamOf(ctx, name);
    if (!upstream) return this.services.blobs.open(ctx, name, digest, range);
    try {
      return await this.services.blobs.open(ctx, name, digest, range);
    } catch (err) {
      if (!isMiss(err)) throw err;
    }
    await this.authorizeImport(ctx, name);
    // A Range gets its bytes (206) as they stream by; the whole blob is stored once all the same.
    return this.fetches.serve(ctx, accountContext(ctx.registry.accountId), name, digest, upstream, range);
  }

  async statBlob(ctx: RequestContext, name: string, digest: string): Promise<{ digest: string; size: number }> {
    const upstream = await this.upstreamOf(ctx, name);
    if (!upstream) return this.services.blobs.stat(ctx, name, digest);
    try {
      return await this.services.blobs.stat(ctx, name, digest);
    } catch (err) {
      if (!isMiss(err)) throw err;
    }
    await this.authorizeImport(ctx, name);
    await this.fetches
      .ensure(accountContext(ctx.registry.accountId), name, digest, upstream)
      .catch(localMissWhenUnavailable('BLOB_UNKNOWN'));
    return this.services.blobs.stat(ctx, name, digest);
  }

  /**
   * For BatchGetImage: the image `reference` names stored from the upstream when it is not here
   * (a cached tag re-checked as on /v2), with all its content, before the batch reads it.
   * Throws the upstream's failure as a RegistryError (its `detail.upstream` the status).
   */
  async importImage(ctx: RequestContext, name: string, reference: string): Promise<void> {
    const upstream = await this.upstreamOf(ctx, name);
    if (!upstream) return;
    try {
      await this.services.manifests.stat(ctx, name, reference);
      await this.refreshed(ctx, name, reference, upstream, true);
      return;
    } catch (err) {
      if (!isMiss(err)) throw err;
    }
    // Created first: the batch answers the upstream's refusal as a failure of the image, not of the repository.
    await this.authorizeImport(ctx, name);
    const manifest = await this.fetchManifest(upstream, reference);
    await this.images.keep(name, reference, manifest, upstream, ctx.registry.accountId, true);
  }

  /**
   * For GetDownloadUrlForLayer: a layer not here fetched from the upstream (once, as on /v2), and
   * the images of the repository being stored in the background waited for (one references it).
   */
  async importLayer(ctx: RequestContext, name: string, digest: string): Promise<void> {
    const upstream = await this.upstreamOf(ctx, name);
    if (!upstream) return;
    const storeCtx = accountContext(ctx.registry.accountId);
    try {
      if ((await this.services.blobs.sizes(storeCtx, name, [digest])).has(digest)) return;
    } catch (err) {
      if (!isMiss(err)) throw err;
    }
    await this.authorizeImport(ctx, name);
    await this.fetches.ensure(storeCtx, name, digest, upstream);
    await this.images.settled(ctx.registry.accountId, name);
  }

  /**
   * ECR's rights for a pull through the cache: ecr:BatchImportUpstreamImage, and for a repository
   * not there yet ecr:CreateRepository (and the pull itself); then the repository exists, unless
   * `create` is false: a manifest's miss on /v2 creates it once the upstream has given the
   * manifest (an upstream that refuses Berth leaves nothing behind).
   */
  private async authorizeImport(ctx: RequestContext, name: string, create = true): Promise<void> {
    await this.access.authorize(ctx, name, Actions.BatchImportUpstreamImage);
    if (!(await this.store.repositories.get(ctx.registry.accountId, name))) {
      await this.access.authorize(ctx, name, Actions.CreateRepository);
      await this.access.authorize(ctx, name, Actions.BatchGetImage);
    }
    if (create) await this.creator.createByItself(ctx, name, 'PULL_THROUGH_CACHE');
  }

  /** A manifest not here: fetched upstream, served, and stored (now, or once its blobs are). */
  private async miss(
    ctx: RequestContext,
    name: string,
    reference: string,
    upstream: UpstreamRepository,
  ): Promise<Served> {
    await this.authorizeImport(ctx, name, false);
    const waiting = this.images.pendingOf(ctx.registry.accountId, name, reference);
    if (waiting)
      return { digest: waiting.digest, mediaType: waiting.mediaType, size: waiting.bytes.length, bytes: waiting.bytes };
    const manifest = await this.fetchManifest(upstream, reference);
    await this.creator.createByItself(ctx, name, 'PULL_THROUGH_CACHE');
    await this.images.keep(name, reference, manifest, upstream, ctx.registry.accountId);
    return {
      digest: manifest.digest,
      mediaType: manifest.mediaType,
      size: manifest.bytes.length,
      bytes: manifest.bytes,
    };
  }

  /**
   * For a tag served from the cache: when its last check is older than the refresh interval, the
   * upstream's manifest if it moved (stored like a miss); undefined to serve the cached one.
   */
  private async refreshed(
    ctx: RequestContext,
    name: string,
    reference: string,
    upstream: UpstreamRepository,
    wait = false,
  ): Promise<Served | undefined> {
    if (reference.includes(':')) return undefined;
    const repository = await this.store.repositories.get(ctx.registry.accountId, name);
    if (!repository) return undefined;
    const checked = await this.store.pullThrough.tagCheckedAt(repository.id, reference);
    // Never checked: the tag was pushed here, not cached (a ROOT rule covers pushed repositories too).
    if (checked === undefined || Date.now() - checked < this.options.refreshMs) return undefined;
    let manifest: UpstreamManifest;
    try {
      manifest = await this.fetchManifest(upstream, reference, true);
    } catch (err) {
      if (!(err instanceof UpstreamError)) throw err;
      this.options.log?.warn(
        { repository: name, tag: reference, upstream: upstream.location, status: err.status, err: err.message },
        err.unavailable
          ? 'the upstream is unavailable: serving the cached tag'
          : 'the upstream did not give the tag: serving the cached one',
      );
      return undefined;
    }
    const current = await this.store.tags.resolve(repository.id, reference);
    if (current?.digest === manifest.digest) {
      await this.store.pullThrough.setTagChecked(repository.id, reference, Date.now());
      return undefined;
    }
    this.options.log?.info(
      { repository: name, tag: reference, upstream: upstream.location, from: current?.digest, to: manifest.digest },
      'the tag moved upstream',
    );
    await this.images.keep(name, reference, manifest, upstream, ctx.registry.accountId, wait);
    return {
      digest: manifest.digest,
      mediaType: manifest.mediaType,
      size: manifest.bytes.length,
      bytes: manifest.bytes,
    };
  }

  /** The upstream's manifest, one fetch for the pulls asking together; `raw`: its UpstreamError as is. */
  private async fetchManifest(upstream: UpstreamRepository, reference: string, raw = false): Promise<UpstreamManifest> {
    const key = `${upstream.location}:${reference}`;
    let flight = this.manifestFlights.get(key);
    if (!flight) {
      flight = upstream.manifest(reference);
      this.manifestFlights.set(key, flight);
      flight.catch(() => {}).finally(() => this.manifestFlights.delete(key));
    }
    try {
      return await flight;
    } catch (err) {
      if (raw || !(err instanceof UpstreamError)) throw err;
      throw upstreamFailure(err, `manifest ${reference} of ${upstream.location}`);
    }
  }
}
