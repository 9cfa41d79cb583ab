// The pull-through cache's blob fetches: a blob missing from a cached repository comes from the
// upstream once, however many pulls ask for it at the same time. In a process, later askers wait
// for the fetch under way; across nodes, a lease row (pull_through_fetches) says who fetches and
// the others wait for the blob to be stored. The asker that fetches gets the bytes as they
// arrive, while the same bytes are stored behind it (a tee through a bounded queue: the store may
// lag a few MiB, then the slower side holds the upstream back, and nothing holds the whole blob);
// the blob is stored once its digest verifies; a client that goes away leaves the store to finish.
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

/** How far the store may fall behind the client (bytes waiting for it) before the upstream is paused. */
const STORE_LAG = 2 * 1024 * 1024;

/**
 * The bytes on their way to the store: batches the upstream's reader puts and the store takes, at
 * most STORE_LAG bytes waiting (the reader waits for room). The store going away (its write
 * failed) stops the reader; the reader's failure ends the store's bytes with it.
 */
class StoreQueue implements AsyncIterable<Uint8Array> {
  private readonly batches: Uint8Array[] = [];
  private waiting = 0;
  private ended = false;
  private failure: { err: unknown } | undefined;
  /** The store stopped taking (its write failed or it is done). */
  gone = false;
  private wakeStore: (() => void) | undefined;
  private wakeReader: (() => void) | undefined;

  /** Puts a batch; resolves once there is room for more. */
  async put(batch: Uint8Array): Promise<void> {
    if (this.gone) return;
    this.batches.push(batch);
    this.waiting += batch.length;
    this.wakeStore?.();
    while (this.waiting > STORE_LAG && !this.gone)
      await new Promise<void>((resolve) => {
        this.wakeReader = resolve;
      });
  }

  end(failure?: { err: unknown }): void {
    this.ended = true;
    this.failure = failure;
    this.wakeStore?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    try {
      for (;;) {
        const batch = this.batches.shift();
        if (batch) {
          this.waiting -= batch.length;
          if (this.waiting <= STORE_LAG) this.wakeReader?.();
          yield batch;
          continue;
        }
        if (this.ended) {
          if (this.failure) throw this.failure.err;
          return;
        }
        await new Promise<void>((resolve) => {
          this.wakeStore = resolve;
        });
        this.wakeStore = undefined;
      }
    } finally {
      this.gone = true;
      this.batches.length = 0;
      this.wakeReader?.();
    }
  }
}

/**
 * Reads the upstream's `chunks` into `client` (waiting while it is full, unless it has gone: the
 * bytes of `range` only, the client ended once past it) and into `queue` for the store, which
 * runs behind on its own (up to STORE_LAG): the client is not held up by each batch's hashing,
 * sealing and writing, only by a store that falls too far behind.
 */
async function pump(
  chunks: AsyncIterable<Uint8Array>,
  client: PassThrough | undefined,
  queue: StoreQueue,
  range: ByteRange = { start: 0, end: Number.POSITIVE_INFINITY },
): Promise<void> {
  let open = client !== undefined;
  const closed = () => {
    open = false;
  };
  client?.once('close', closed);
  let offset = 0;
  try {
    for await (const whole of chunks) {
      if (queue.gone) break;
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
      // The store takes the socket's chunks as they are (it copies them into its own batches).
      await queue.put(whole);
    }
    queue.end();
    if (open && !queue.gone) client?.end();
  } catch (err) {
    queue.end({ err });
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
    const queue = new StoreQueue();
    void pump(blob.chunks, forClient ? client : undefined, queue, range);
    const done = this.services.uploads
      .start(storeCtx, name, { digest, chunk: { body: queue } })
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
