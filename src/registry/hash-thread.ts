// The worker side of off-thread hashing, sealing and opening (hash-worker.ts): keeps running
// hashes by id and feeds them the shared buffers the main thread names, sealing a buffer's whole
// segments into another when asked (storage/encryption/engines.ts), and replies when done with
// each; opens batches of sealed segments in place and replies with their plaintext length.
import { createHash, type Hash, type KeyObject } from 'node:crypto';
import { parentPort } from 'node:worker_threads';
import { IntegrityError } from '../domain/integrity.js';
import { openBatch, sealBatch } from '../storage/encryption/engines.js';
import { parseHeader, type Header } from '../storage/encryption/segments.js';
import { raiseTrimThreshold } from '../runtime/heap-trim.js';
import { scavenger } from '../runtime/scavenge.js';

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
  | { op: 'sealer'; id: number; key: KeyObject; header: Uint8Array }
  | { op: 'opener'; id: number; key: KeyObject; header: Uint8Array }
  | { op: 'open'; id: number; buffer: SharedArrayBuffer; length: number; first: number; last: number }
  | { op: 'digest'; id: number }
  | { op: 'drop'; id: number };

/** Replies to 'update' and 'open' come in the order of the requests, and name no buffer. */
export type HashReply =
  | { op: 'returned'; sealedLength?: number; error?: string }
  | { op: 'opened'; length: number; error?: string; integrity?: boolean }
  | { op: 'digest'; id: number; hex: string }
  | { op: 'error'; id: number; message: string };

const hashes = new Map<number, Hash>();
/** Keys and headers by hash (sealing its batches) or by open engine. */
const keys = new Map<number, { key: KeyObject; header: Header }>();

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
        keys.set(request.id, { key: request.key, header: parseHeader(Buffer.from(request.header)) });
        break;
      case 'update': {
        const bytes = new Uint8Array(request.buffer, 0, request.length);
        const from = request.from ?? 0;
        let sealedLength: number | undefined;
        let error: string | undefined;
        try {
          if (from < request.length) hashes.get(request.id)?.update(bytes.subarray(from));
          if (request.seal && request.seal.count > 0) {
            const sealer = keys.get(request.id);
            if (!sealer) throw new Error(`no sealer for hash ${request.id}`);
            if (!request.seal.output) throw new Error('no buffer to seal into');
            sealedLength = sealBatch(
              sealer.key,
              sealer.header,
              bytes,
              request.seal.first,
              request.seal.count,
              new Uint8Array(request.seal.output),
            ).length;
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
          const opener = keys.get(request.id);
          if (!opener) throw new Error(`no key for open engine ${request.id}`);
          length = openBatch(
            opener.key,
            opener.header,
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
