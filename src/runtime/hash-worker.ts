// Hashing and sealing off the main thread: uploads copy their bytes into shared buffers that a
// worker thread hashes and, for the upload file, seals (one message does both), so the main
// thread only parses, copies and writes. Messages to the worker keep their order, so each hash
// sees its bytes exactly in sequence. One thread per HashWorker (storage keeps one per process,
// worker-engines.ts); what sealing and opening are, its owner's codec says (hash-thread.ts).
//
// A buffer is the worker's from the message that names it until the reply to that message, and
// the caller's again after it. The buffers are shared rather than transferred: a transfer makes
// a new buffer object on the receiving side each time, and with transfers the HTTP thread ran,
// in some runs, a full collection every ~100 ms of a large upload (up to 15 per 512 MiB, a
// second of the collector's helper threads). Shared buffers posted make no buffer object per
// batch on the HTTP thread, and those collections are gone.
import { Worker } from 'node:worker_threads';
import type { DigestAlgorithm } from '../domain/digest.js';
import { IntegrityError } from '../domain/integrity.js';
import { BufferPool, copyBytes, sharedBuffer } from './buffers.js';
import type { HashReply, HashRequest } from './hash-thread.js';
import { scavenger } from './scavenge.js';
import type { WorkerFeeder, WorkerOpener, WorkerSealer } from './worker-batches.js';

/** The worker's batches: what its codec seals and opens, and how large each buffer is. */
export interface HashWorkerOptions {
  /** The module the thread loads to seal and open batches (a BatchCodec, hash-thread.ts). */
  codec: URL;
  /** Bytes of a batch of plaintext (a buffer fed to a hash, or sealed). */
  batch: number;
  /** Bytes of a full batch once sealed. */
  sealedBatch: number;
  /** Bytes of a batch of sealed segments to open. */
  openBatch: number;
}

export type { WorkerFeeder, WorkerOpener, WorkerSealer } from './worker-batches.js';

/** Buffers one hash may have at the worker before `update` waits (bounds memory per upload). */
const IN_FLIGHT = 4;
const POOL_LIMIT = 8;
/** The socket reads copied into a batch are dead once it is sent: freed every few batches. */
const countBatch = scavenger(8);

/** A running hash whose state lives in the hashing worker. */
export interface RunningHash {
  /** Feeds bytes; resolves at once unless too many buffers are still at the worker. */
  update(chunk: Uint8Array): Promise<void>;
  /** Finishes the hash (it cannot be used afterwards) and returns the hex digest. */
  digest(): Promise<string>;
  /** Frees the hash without finishing it. */
  drop(): void;
  /** A seal engine (whose codec state the codec prepares from `params`) whose new bytes feed this hash. */
  sealing(params: unknown): WorkerSealer;
  /** Hashes batches in place that the caller also writes (see WorkerFeeder). */
  feeding(): WorkerFeeder;
}

export class HashWorker {
  private worker: Worker | undefined;
  private nextId = 1;
  /** @internal Bytes of a plaintext batch. */
  readonly bufferSize: number;
  private readonly pool: BufferPool<SharedArrayBuffer>;
  /** Buffers each hash has at the worker, and who waits for one to come back. */
  private readonly flights = new Map<number, { count: number; wake?: () => void; failed?: boolean }>();
  private readonly digests = new Map<number, { resolve(hex: string): void; reject(err: Error): void }>();
  /** Each batch being opened, in order, and who waits for it. */
  private readonly opens: { buffer: SharedArrayBuffer; resolve(plain: Uint8Array): void; reject(err: Error): void }[] =
    [];
  private readonly openPool: BufferPool<SharedArrayBuffer>;
  private readonly openSize: number;
  /** Buffers the worker seals into, back from the file writers that wrote them. */
  readonly sealedPool: BufferPool<SharedArrayBuffer>;
  /** Which hash each buffer at the worker belongs to, in order, so its return is counted right (and who waits for its sealed bytes). */
  private readonly owners: Owner[] = [];
  /** Buffers and digests the worker still owes; while any, the worker holds the process open. */
  private outstanding = 0;

  constructor(private readonly options: HashWorkerOptions) {
    this.bufferSize = options.batch;
    this.openSize = options.openBatch;
    this.pool = new BufferPool(options.batch, POOL_LIMIT, sharedBuffer);
    this.openPool = new BufferPool(options.openBatch, POOL_LIMIT, sharedBuffer);
    this.sealedPool = new BufferPool(options.sealedBatch, POOL_LIMIT, sharedBuffer);
  }

  private busy(delta: number): void {
    const before = this.outstanding;
    this.outstanding += delta;
    if (before === 0 && this.outstanding > 0) this.worker?.ref();
    else if (before > 0 && this.outstanding === 0) this.worker?.unref();
  }

  private post(request: HashRequest): void {
    if (!this.worker) {
      this.worker = new Worker(new URL('./hash-thread.js', import.meta.url), {
        workerData: { codec: this.options.codec.href },
      });
      this.worker.on('message', (reply: HashReply) => this.receive(reply));
      this.worker.on('error', (err) => {
        // Every running hash lost its state: fail them all (their uploads fail; clients retry).
        for (const pending of this.digests.values()) pending.reject(err);
        this.digests.clear();
        for (const flight of this.flights.values()) {
          flight.failed = true;
          flight.wake?.();
        }
        for (const owner of this.owners) owner.sealed?.reject(err);
        this.owners.length = 0;
        for (const open of this.opens) open.reject(err);
        this.opens.length = 0;
        this.outstanding = 0;
        this.worker = undefined;
      });
      // After the listeners (adding a message listener refs the port again). The worker keeps the
      // process alive only while it has work outstanding (see `busy`).
      this.worker.unref();
      this.outstanding = 0;
    }
    this.worker.postMessage(request);
  }

  private receive(reply: HashReply): void {
    this.busy(-1);
    if (reply.op === 'returned') {
      const owner = this.owners.shift()!;
      if (!owner.kept) this.pool.give(owner.buffer);
      if (reply.error !== undefined) owner.sealed?.reject(new Error(reply.error));
      else
        owner.sealed?.resolve(owner.output ? new Uint8Array(owner.output, 0, reply.sealedLength) : new Uint8Array(0));
      const flight = this.flights.get(owner.id);
      if (flight) {
        flight.count--;
        const wake = flight.wake;
        flight.wake = undefined;
        wake?.();
      }
    } else if (reply.op === 'opened') {
      const open = this.opens.shift()!;
      if (reply.error === undefined) open.resolve(new Uint8Array(open.buffer, 0, reply.length));
      else {
        this.openPool.give(open.buffer);
        open.reject(reply.integrity ? new IntegrityError(reply.error) : new Error(reply.error));
      }
    } else {
      const pending = this.digests.get(reply.id);
      this.digests.delete(reply.id);
      if (reply.op === 'digest') pending?.resolve(reply.hex);
      else pending?.reject(new Error(reply.message));
    }
  }

  create(algorithm: DigestAlgorithm): RunningHash {
    const id = this.nextId++;
    this.flights.set(id, { count: 0 });
    this.post({ op: 'create', id, algorithm });
    return new WorkerHash(this, id);
  }

  /** An engine that opens batches of sealed segments on the worker (its codec state prepared from `params`). */
  opening(params: unknown): WorkerOpener {
    // The parameters go to the worker once, with the first batch (a key is costly to clone).
    let id: number | undefined;
    return {
      batch: () => new Uint8Array(this.openPool.take()),
      open: (batch, length, first, last) => {
        if (!isBatch(batch, this.openSize))
          return Promise.reject(new Error("a batch must be one of the engine's buffers"));
        if (id === undefined) {
          id = this.nextId++;
          this.post({ op: 'opener', id, params });
        }
        const opener = id;
        const buffer = batch.buffer;
        return new Promise((resolve, reject) => {
          this.opens.push({ buffer, resolve, reject });
          this.post({ op: 'open', id: opener, buffer, length, first, last });
          this.busy(1);
        });
      },
      release: (batch) => {
        this.openPool.give(batch.buffer);
      },
      close: () => {
        if (id !== undefined && this.worker) this.post({ op: 'drop', id });
        id = undefined;
      },
    };
  }

  /** @internal A buffer to fill (from the pool when one is free). */
  buffer(): SharedArrayBuffer {
    return this.pool.take();
  }

  /** @internal Hands a filled buffer to the worker; waits first while the hash has too many there. */
  async send(id: number, buffer: SharedArrayBuffer, length: number): Promise<void> {
    const flight = this.flights.get(id)!;
    while (flight.count >= IN_FLIGHT && !flight.failed) await new Promise<void>((resolve) => (flight.wake = resolve));
    if (flight.failed) throw new Error('the hashing worker failed');
    this.postUpdate({ id, buffer }, { op: 'update', id, buffer, length });
  }

  /** @internal Hands a filled buffer to the worker at once, over the limit if need be (ordering matters more). */
  sendNow(id: number, buffer: SharedArrayBuffer, length: number): void {
    if (this.usable(id)) this.postUpdate({ id, buffer }, { op: 'update', id, buffer, length });
  }

  /**
   * @internal Hands a batch to the worker at once (the caller bounds how many it has there):
   * bytes from `from` feed the hash, and `count` whole segments from `first` are sealed.
   */
  sendBatch(
    id: number,
    buffer: SharedArrayBuffer,
    length: number,
    from: number,
    first: number,
    count: number,
  ): Promise<Uint8Array> {
    if (!this.usable(id)) return Promise.reject(new Error('the hashing worker failed'));
    const output = count > 0 ? this.sealedPool.take() : undefined;
    return new Promise((resolve, reject) =>
      this.postUpdate(
        { id, buffer, output, sealed: { resolve, reject } },
        { op: 'update', id, buffer, length, from, seal: { first, count, output } },
      ),
    );
  }

  /**
   * @internal Hands a batch the caller keeps (and gives back with `giveBack`) to the hash at once
   * (the caller bounds how many it has there); resolves when the worker has read it.
   */
  sendKept(id: number, buffer: SharedArrayBuffer, length: number): Promise<void> {
    if (!this.usable(id)) return Promise.reject(new Error('the hashing worker failed'));
    return new Promise((resolve, reject) =>
      this.postUpdate(
        { id, buffer, kept: true, sealed: { resolve: () => resolve(), reject } },
        { op: 'update', id, buffer, length },
      ),
    );
  }

  /** @internal Takes back a batch a caller kept (sendKept). */
  giveBack(buffer: ArrayBufferLike): void {
    this.pool.give(buffer);
  }

  /** Whether the hash is still running on a live worker. */
  private usable(id: number): boolean {
    const flight = this.flights.get(id);
    return flight !== undefined && !flight.failed;
  }

  /** Posts an update; its buffer counts as at the worker (for its hash's flight) until it comes back. */
  private postUpdate(owner: Owner, request: Extract<HashRequest, { op: 'update' }>): void {
    countBatch();
    this.flights.get(owner.id)!.count++;
    this.owners.push(owner);
    this.post(request);
    this.busy(1);
  }

  /** @internal Gives the worker the parameters the hash's batches are sealed with. */
  sealWith(id: number, params: unknown): void {
    this.post({ op: 'sealer', id, params });
  }

  /** @internal */
  finish(id: number): Promise<string> {
    const failed = this.flights.get(id)?.failed;
    this.flights.delete(id);
    if (failed) return Promise.reject(new Error('the hashing worker failed'));
    return new Promise((resolve, reject) => {
      this.digests.set(id, { resolve, reject });
      this.post({ op: 'digest', id });
      this.busy(1);
    });
  }

  /** @internal */
  drop(id: number): void {
    this.flights.delete(id);
    this.post({ op: 'drop', id });
  }
}

/** A buffer at the worker: whose hash it feeds, what it is sealed into, and who waits for that. */
interface Owner {
  id: number;
  buffer: SharedArrayBuffer;
  output?: SharedArrayBuffer;
  /** The caller keeps the buffer after the worker is done (it goes back to the pool by `giveBack`). */
  kept?: boolean;
  sealed?: { resolve(bytes: Uint8Array): void; reject(err: Error): void };
}

/** Whether `batch` is a whole buffer of `size` shared with the worker (an engine's batch). */
function isBatch(batch: Uint8Array, size: number): batch is Uint8Array<SharedArrayBuffer> {
  return batch.byteOffset === 0 && batch.buffer instanceof SharedArrayBuffer && batch.buffer.byteLength === size;
}

/** Fills one buffer at a time and sends it when full, or when its state is needed. */
class WorkerHash implements RunningHash {
  private current: SharedArrayBuffer | undefined;
  private filled = 0;
  private done = false;
  /** The parameters the worker seals this hash's batches with, once sent. */
  private sealedWith: unknown;

  constructor(
    private readonly worker: HashWorker,
    private readonly id: number,
  ) {}

  async update(chunk: Uint8Array): Promise<void> {
    if (this.done) throw new Error('hash already finished');
    let offset = 0;
    while (offset < chunk.length) {
      this.current ??= this.worker.buffer();
      const take = Math.min(this.worker.bufferSize - this.filled, chunk.length - offset);
      copyBytes(new Uint8Array(this.current), this.filled, chunk.subarray(offset, offset + take));
      this.filled += take;
      offset += take;
      if (this.filled === this.worker.bufferSize) await this.flush();
    }
  }

  /**
   * A seal engine for an upload file whose new bytes this hash sees: each batch is hashed and
   * sealed by the worker in one transfer. Bytes fed through `update` before go first.
   */
  sealing(params: unknown): WorkerSealer {
    if (this.done) throw new Error('hash already finished');
    // A hash kept between an upload's requests keeps its sealer at the worker: the same
    // parameters (the same object) are not sent again (a key is costly to clone and prepare).
    let registered = this.sealedWith === params;
    return {
      batch: () => new Uint8Array(this.worker.buffer()),
      seal: (batch, length, fresh, first, count) => {
        if (this.done) return Promise.reject(new Error('hash already finished'));
        // Synchronously, so batches reach the worker in the order they are sealed.
        this.sendCurrent();
        if (!registered) {
          this.worker.sealWith(this.id, params);
          this.sealedWith = params;
          registered = true;
        }
        if (!isBatch(batch, this.worker.bufferSize))
          return Promise.reject(new Error("a batch must be one of the engine's buffers"));
        return this.worker.sendBatch(this.id, batch.buffer, length, fresh, first, count);
      },
      release: (sealed) => this.worker.sealedPool.give(sealed.buffer),
    };
  }

  feeding(): WorkerFeeder {
    if (this.done) throw new Error('hash already finished');
    return {
      batch: () => new Uint8Array(this.worker.buffer()),
      feed: (batch, length) => {
        if (this.done) return Promise.reject(new Error('hash already finished'));
        // Bytes fed through `update` before go first (synchronously, so the order holds).
        this.sendCurrent();
        if (!isBatch(batch, this.worker.bufferSize))
          return Promise.reject(new Error("a batch must be one of the engine's buffers"));
        return this.worker.sendKept(this.id, batch.buffer, length);
      },
      release: (batch) => this.worker.giveBack(batch.buffer),
    };
  }

  /** Sends the buffer `update` was filling, however full, at once. */
  private sendCurrent(): void {
    if (this.current && this.filled > 0) {
      const buffer = this.current;
      this.current = undefined;
      this.worker.sendNow(this.id, buffer, this.filled);
      this.filled = 0;
    }
  }

  private async flush(): Promise<void> {
    if (!this.current || this.filled === 0) return;
    const buffer = this.current;
    const length = this.filled;
    this.current = undefined;
    this.filled = 0;
    await this.worker.send(this.id, buffer, length);
  }

  async digest(): Promise<string> {
    await this.flush();
    this.done = true;
    return this.worker.finish(this.id);
  }

  drop(): void {
    if (this.done) return;
    this.done = true;
    this.worker.drop(this.id);
  }
}
