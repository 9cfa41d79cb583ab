// The pull-through cache's blob fetches: a blob missing from a cached repository comes from the
// upstream once, however many pulls ask for it at the same time. In a process, later askers wait
// for the fetch under way; across nodes, a lease row (pull_through_fetches) says who fetches and
// the others wait for the blob to be stored. The asker that fetches gets the bytes as they
// arrive, while the same bytes are stored (a tee with back-pressure from both sides: nothing
// holds the whole blob); a client that goes away leaves the store to finish.
import { randomUUID } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { RegistryError } from '../domain/errors.js';
import type { RequestContext } from '../domain/request-context.js';
import { type UpstreamBlob, UpstreamError, type UpstreamRepository } from '../domain/upstream-source.js';
import { registryKey } from '../metadata/registry-key.js';
import type { MetadataStore } from '../metadata/store.js';
import type { BlobContent, ByteRange } from './blobs.js';
import type { RegistryServices } from './services.js';

export interface BlobFetchOptions {
  /** This node's name (lease holders are `<node>/<random>`). */
  nodeId: string;
  /** How long a fetch lease lasts without renewal (renewed at a third of it while bytes flow). */
  leaseMs: number;
  /** How often a node waiting for another's fetch looks again. */
  pollMs: number;
}

/** The upstream's failure as the registry protocol says it (the upstream's answer named). */
export function upstreamFailure(
  err: UpstreamError,
  what: string,
  notFound: 'MANIFEST_UNKNOWN' | 'BLOB_UNKNOWN' = 'MANIFEST_UNKNOWN',
): RegistryError {
  const message = `${what}: ${err.message}`;
  if (err.status === 404) return new RegistryError(notFound, message, { upstream: err.status });
  if (err.status === 429) return new RegistryError('TOOMANYREQUESTS', message, { upstream: err.status });
  // The upstream (or its STS) refused Berth's credentials: the rule's, not the client's.
  if (err.status === 401 || err.status === 403) return new RegistryError('DENIED', message, { upstream: err.status });
  return new RegistryError('UNKNOWN', message, { upstream: err.status ?? 'unreachable' }, { status: 502 });
}

/**
 * Copies `chunks` to `client` (waiting while it is full, unless it has gone) as they are yielded:
 * the bytes of `range` only (the client's Range), the client ended once past it.
 */
/** The store is given the upstream's bytes in batches of at least this many. */
const STORE_BATCH = 1024 * 1024;

async function* tee(
  chunks: AsyncIterable<Uint8Array>,
  client: PassThrough | undefined,
  range: ByteRange = { start: 0, end: Number.POSITIVE_INFINITY },
): AsyncIterable<Uint8Array> {
  let open = client !== undefined;
  const closed = () => {
    open = false;
  };
  client?.once('close', closed);
  let offset = 0;
  let batch: Uint8Array[] = [];
  let batched = 0;
  try {
    for await (const whole of chunks) {
      const at = offset;
      offset += whole.length;
      const chunk = whole.subarray(
        Math.max(0, range.start - at),
        Math.max(0, Math.min(whole.length, range.end + 1 - at)),
      );
      if (open && client && chunk.length > 0 && !client.write(chunk)) {
        await new Promise<void>((resolve) => {
          const go = () => {
            client.off('drain', go);
            client.off('close', go);
            resolve();
          };
          client.once('drain', go);
          client.once('close', go);
        });
      }
      if (open && client && offset > range.end) {
        client.end();
        open = false;
      }
      // The store gets batches (the socket's chunks are small: each costs the store a write).
      batch.push(whole);
      batched += whole.length;
      if (batched >= STORE_BATCH) {
        yield batch.length === 1 ? batch[0]! : Buffer.concat(batch, batched);
        batch = [];
        batched = 0;
      }
    }
    if (batched > 0) yield Buffer.concat(batch, batched);
    if (open) client?.end();
  } finally {
    client?.off('close', closed);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class BlobFetches {
  /** Fetches under way in this process, by account, repository and digest. */
  private readonly flights = new Map<string, Promise<void>>();

  constructor(
    private readonly store: Pick<MetadataStore, 'pullThrough'>,
    private readonly services: Pick<RegistryServices, 'blobs' | 'uploads'>,
    private readonly options: BlobFetchOptions,
  ) {}

  /**
   * The blob for a pull that found it missing: streamed from the upstream while it is stored,
   * or, when another pull is fetching it, read here once that one has stored it.
   */
  async serve(
    ctx: RequestContext,
    storeCtx: RequestContext,
    name: string,
    digest: string,
    upstream: UpstreamRepository,
    range?: (size: number) => ByteRange | undefined,
  ): Promise<BlobContent> {
    const started = await this.start(storeCtx, name, digest, upstream, true, range);
    if (started) return started.content;
    return this.services.blobs.open(ctx, name, digest, range);
  }

  /** Makes sure the blob is stored (fetched when missing, or waited for when another fetches it). */
  async ensure(storeCtx: RequestContext, name: string, digest: string, upstream: UpstreamRepository): Promise<void> {
    if (await this.has(storeCtx, name, digest)) return;
    const started = await this.start(storeCtx, name, digest, upstream, false);
    await started?.done;
  }

  private key(storeCtx: RequestContext, name: string, digest: string): string {
    return `${registryKey(storeCtx.registry)}/${name}@${digest}`;
  }

  private async has(storeCtx: RequestContext, name: string, digest: string): Promise<boolean> {
    try {
      return (await this.services.blobs.sizes(storeCtx, name, [digest])).has(digest);
    } catch (err) {
      if (err instanceof RegistryError && err.code === 'NAME_UNKNOWN') return false;
      throw err;
    }
  }

  /**
   * Starts this node's fetch of the blob and gives its stream; undefined when the blob is stored
   * by the time this returns (another fetch, here or on another node, stored it).
   */
  private async start(
    storeCtx: RequestContext,
    name: string,
    digest: string,
    upstream: UpstreamRepository,
    forClient: boolean,
    range?: (size: number) => ByteRange | undefined,
  ): Promise<{ content: BlobContent; done: Promise<void> } | undefined> {
    const key = this.key(storeCtx, name, digest);
    for (;;) {
      const running = this.flights.get(key);
      if (running) {
        await running.catch(() => {});
        if (await this.has(storeCtx, name, digest)) return undefined;
        continue;
      }
      const holder = `${this.options.nodeId}/${randomUUID()}`;
      // Claimed in this process before the database is asked, so later askers here wait on it.
      let settle!: (outcome: Promise<void>) => void;
      const flight = new Promise<void>((resolve) => {
        settle = resolve;
      });
      this.flights.set(key, flight);
      flight.catch(() => {}).finally(() => this.flights.delete(key));
      try {
        if (!(await this.leased(key, holder, storeCtx, name, digest))) {
          settle(Promise.resolve());
          return undefined;
        }
        const blob = await upstream.blob(digest).catch(async (err: unknown) => {
          await this.store.pullThrough.releaseFetch(key, holder);
          throw err instanceof UpstreamError
            ? upstreamFailure(err, `blob ${digest} of ${upstream.location}`, 'BLOB_UNKNOWN')
            : err;
        });
        // The client's Range of the blob (206); the whole blob is stored all the same.
        let wanted: ByteRange | undefined;
        let refused: unknown;
        try {
          wanted = forClient ? range?.(blob.size) : undefined;
        } catch (err) {
          refused = err;
        }
        const forThem = forClient && refused === undefined;
        const { stream, done } = this.store_(storeCtx, name, digest, blob, forThem, key, holder, wanted);
        settle(done);
        if (refused !== undefined) throw refused;
        return {
          content: { digest, size: blob.size, ...(wanted && { range: wanted }), body: { kind: 'stream', stream } },
          done,
        };
      } catch (err) {
        settle(Promise.reject(err));
        throw err;
      }
    }
  }

  /**
   * True once this node holds the fetch lease; false when the blob got stored while another
   * held it. Waits while another node's lease runs.
   */
  private async leased(
    key: string,
    holder: string,
    storeCtx: RequestContext,
    name: string,
    digest: string,
  ): Promise<boolean> {
    for (;;) {
      if (await this.has(storeCtx, name, digest)) return false;
      const now = Date.now();
      if (await this.store.pullThrough.leaseFetch(key, holder, now, now + this.options.leaseMs)) {
        // Stored between the look and the lease: nothing to fetch.
        if (await this.has(storeCtx, name, digest)) {
          await this.store.pullThrough.releaseFetch(key, holder);
          return false;
        }
        return true;
      }
      await sleep(this.options.pollMs);
    }
  }

  /** Stores the upstream's bytes while the client (if any) gets them; the lease is renewed meanwhile. */
  private store_(
    storeCtx: RequestContext,
    name: string,
    digest: string,
    blob: UpstreamBlob,
    forClient: boolean,
    key: string,
    holder: string,
    range?: ByteRange,
  ): { stream: PassThrough; done: Promise<void> } {
    const client = new PassThrough({ highWaterMark: 1024 * 1024 });
    const renew = setInterval(() => {
      const now = Date.now();
      this.store.pullThrough.leaseFetch(key, holder, now, now + this.options.leaseMs).catch(() => {});
    }, this.options.leaseMs / 3);
    const done = this.services.uploads
      .start(storeCtx, name, { digest, chunk: { body: tee(blob.chunks, forClient ? client : undefined, range) } })
      .then(() => {
        if (!forClient) client.end();
      })
      .catch((err: unknown) => {
        client.destroy(err instanceof Error ? err : new Error(String(err)));
        throw err;
      })
      .finally(() => {
        clearInterval(renew);
        return this.store.pullThrough.releaseFetch(key, holder).catch(() => {});
      });
    return { stream: client, done };
  }
}
