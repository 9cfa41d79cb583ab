// Hashing off the main thread: uploads copy their bytes into transferable buffers that a worker
// thread hashes, so the main thread only parses, copies and writes. Messages to the worker keep
// their order, so each hash sees its bytes exactly in sequence. One worker per process.
import { Worker } from 'node:worker_threads';
import type { DigestAlgorithm } from '../domain/digest.js';
import type { HashReply, HashRequest } from './hash-thread.js';

const BUFFER = 1024 * 1024;
/** Buffers one hash may have at the worker before `update` waits (bounds memory per upload). */
const IN_FLIGHT = 4;
const POOL_LIMIT = 32;

/** A running hash whose state lives in the hashing worker. */
export interface RunningHash {
  /** Feeds bytes; resolves at once unless too many buffers are still at the worker. */
  update(chunk: Uint8Array): Promise<void>;
  /** Finishes the hash (it cannot be used afterwards) and returns the hex digest. */
  digest(): Promise<string>;
  /** Frees the hash without finishing it. */
  drop(): void;
}

export class HashWorker {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly pool: ArrayBuffer[] = [];
  /** Buffers each hash has at the worker, and who waits for one to come back. */
  private readonly flights = new Map<number, { count: number; wake?: () => void; failed?: boolean }>();
  private readonly digests = new Map<number, { resolve(hex: string): void; reject(err: Error): void }>();
  /** Which hash each buffer at the worker belongs to, in order, so its return is counted right. */
  private readonly owners: number[] = [];
  /** Buffers and digests the worker still owes; while any, the worker holds the process open. */
  private outstanding = 0;

  private busy(delta: number): void {
    const before = this.outstanding;
    this.outstanding += delta;
    if (before === 0 && this.outstanding > 0) this.worker?.ref();
    else if (before > 0 && this.outstanding === 0) this.worker?.unref();
  }

  private post(request: HashRequest, transfer: ArrayBuffer[] = []): void {
    if (!this.worker) {
      this.worker = new Worker(new URL('./hash-thread.js', import.meta.url));
      this.worker.on('message', (reply: HashReply) => this.receive(reply));
      this.worker.on('error', (err) => {
        // Every running hash lost its state: fail them all (their uploads fail; clients retry).
        for (const pending of this.digests.values()) pending.reject(err);
        this.digests.clear();
        for (const flight of this.flights.values()) {
          flight.failed = true;
          flight.wake?.();
        }
        this.owners.length = 0;
        this.outstanding = 0;
        this.worker = undefined;
      });
      // After the listeners (adding a message listener refs the port again). The worker keeps the
      // process alive only while it has work outstanding (see `busy`).
      this.worker.unref();
      this.outstanding = 0;
    }
    this.worker.postMessage(request, transfer);
  }

  private receive(reply: HashReply): void {
    this.busy(-1);
    if (reply.op === 'returned') {
      if (this.pool.length < POOL_LIMIT) this.pool.push(reply.buffer);
      const flight = this.flights.get(this.owners.shift()!);
      if (flight) {
        flight.count--;
        const wake = flight.wake;
        flight.wake = undefined;
        wake?.();
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

  /** @internal A buffer to fill (from the pool when one is free). */
  buffer(): ArrayBuffer {
    return this.pool.pop() ?? new ArrayBuffer(BUFFER);
  }

  /** @internal Hands a filled buffer to the worker; waits first while the hash has too many there. */
  async send(id: number, buffer: ArrayBuffer, length: number): Promise<void> {
    const flight = this.flights.get(id)!;
    while (flight.count >= IN_FLIGHT && !flight.failed) await new Promise<void>((resolve) => (flight.wake = resolve));
    if (flight.failed) throw new Error('the hashing worker failed');
    flight.count++;
    this.owners.push(id);
    this.post({ op: 'update', id, buffer, length }, [buffer]);
    this.busy(1);
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

/** Fills one buffer at a time and sends it when full, or when its state is needed. */
class WorkerHash implements RunningHash {
  private current: ArrayBuffer | undefined;
  private filled = 0;
  private done = false;

  constructor(private readonly worker: HashWorker, private readonly id: number) {}

  async update(chunk: Uint8Array): Promise<void> {
    if (this.done) throw new Error('hash already finished');
    let offset = 0;
    while (offset < chunk.length) {
      this.current ??= this.worker.buffer();
      const take = Math.min(BUFFER - this.filled, chunk.length - offset);
      new Uint8Array(this.current, this.filled, take).set(chunk.subarray(offset, offset + take));
      this.filled += take;
      offset += take;
      if (this.filled === BUFFER) await this.flush();
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

/** The process's hashing worker, shared by every upload service in it. */
export const sharedHashWorker = new HashWorker();
