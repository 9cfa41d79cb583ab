// The worker side of off-thread hashing, sealing and opening (hash-worker.ts): keeps running
// hashes by id and feeds them the shared buffers the main thread names, sealing a buffer's whole
// segments into another when asked, and replies when done with each; opens batches of sealed
// segments in place and replies with their plaintext length. What sealing and opening are is the
// codec's business: a module the worker's owner names (storage/encryption/batch-codec.ts).
import { createHash, type Hash } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';
import { IntegrityError } from '../domain/integrity.js';
import { raiseTrimThreshold } from './heap-trim.js';
import { scavenger } from './scavenge.js';

/** What the thread loads from the module named `workerData.codec`: sealing and opening of batches. */
export interface BatchCodec<P = unknown, S = unknown> {
  /** Turns the parameters a sealer or opener was registered with into its state (once per engine). */
  prepare(params: P): S;
  /** Seals `count` whole segments from `first` at the start of `plain` into `out`; returns the sealed length. */
  seal(state: S, plain: Uint8Array, first: number, count: number, out: Uint8Array): number;
  /** Opens the sealed segments in `bytes[0, length)` in place; returns the plaintext length. */
  open(state: S, bytes: Uint8Array, length: number, first: number, last: number): number;
}

export type HashRequest =
  | { op: 'create'; id: number; algorithm: string }
  | {
      op: 'update';
      id: number;
      buffer: SharedArrayBuffer;
      length: number;
      from?: number;
      seal?: { first: number; count: number; output?: SharedArrayBuffer };
    }
  | { op: 'sealer'; id: number; params: unknown }
  | { op: 'opener'; id: number; params: unknown }
  | { op: 'open'; id: number; buffer: SharedArrayBuffer; length: number; first: number; last: number }
  | { op: 'digest'; id: number }
  | { op: 'drop'; id: number };

/** Replies to 'update' and 'open' come in the order of the requests, and name no buffer. */
export type HashReply =
  | { op: 'returned'; sealedLength?: number; error?: string }
  | { op: 'opened'; length: number; error?: string; integrity?: boolean }
  | { op: 'digest'; id: number; hex: string }
  | { op: 'error'; id: number; message: string };

const codec = (await import((workerData as { codec: string }).codec)) as BatchCodec;
const hashes = new Map<number, Hash>();
/** Codec states by hash (sealing its batches) or by open engine. */
const keys = new Map<number, unknown>();

// Each segment sealed or opened leaves a 64 KiB cipher output behind: freed every few batches.
// Every 2 MiB or so: under the heap's trim threshold, so that what is freed is reused, not
// handed back to the kernel (see heap-trim.ts).
const countBatch = scavenger(2);
raiseTrimThreshold();

parentPort?.on('message', (request: HashRequest) => {
  try {
    switch (request.op) {
      case 'create':
        hashes.set(request.id, createHash(request.algorithm));
        break;
      case 'sealer':
      case 'opener':
        keys.set(request.id, codec.prepare(request.params));
        break;
      case 'update': {
        const bytes = new Uint8Array(request.buffer, 0, request.length);
        const from = request.from ?? 0;
        let sealedLength: number | undefined;
        let error: string | undefined;
        try {
          if (from < request.length) hashes.get(request.id)?.update(bytes.subarray(from));
          if (request.seal && request.seal.count > 0) {
            if (!keys.has(request.id)) throw new Error(`no sealer for hash ${request.id}`);
            if (!request.seal.output) throw new Error('no buffer to seal into');
            sealedLength = codec.seal(
              keys.get(request.id),
              bytes,
              request.seal.first,
              request.seal.count,
              new Uint8Array(request.seal.output),
            );
          }
        } catch (err) {
          error = (err as Error).message;
        }
        // Always answered, so the main thread's count of buffers here stays right.
        parentPort!.postMessage({ op: 'returned', sealedLength, error } satisfies HashReply);
        if (request.seal) countBatch();
        break;
      }
      case 'open': {
        let length = 0;
        let error: string | undefined;
        let integrity = false;
        try {
          if (!keys.has(request.id)) throw new Error(`no key for open engine ${request.id}`);
          length = codec.open(
            keys.get(request.id),
            new Uint8Array(request.buffer),
            request.length,
            request.first,
            request.last,
          );
        } catch (err) {
          error = (err as Error).message;
          integrity = err instanceof IntegrityError;
        }
        parentPort!.postMessage({ op: 'opened', length, error, integrity } satisfies HashReply);
        countBatch();
        break;
      }
      case 'digest': {
        const hash = hashes.get(request.id);
        hashes.delete(request.id);
        keys.delete(request.id);
        if (!hash) throw new Error(`no hash ${request.id}`);
        parentPort!.postMessage({ op: 'digest', id: request.id, hex: hash.digest('hex') } satisfies HashReply);
        break;
      }
      case 'drop':
        hashes.delete(request.id);
        keys.delete(request.id);
        break;
    }
  } catch (err) {
    parentPort!.postMessage({
      op: 'error',
      id: (request as { id: number }).id,
      message: (err as Error).message,
    } satisfies HashReply);
  }
});
