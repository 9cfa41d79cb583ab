// The worker side of off-thread hashing (hash-worker.ts): keeps running hashes by id and feeds
// them the buffers the main thread transfers, handing each buffer back once it is hashed.
import { createHash, type Hash } from 'node:crypto';
import { parentPort } from 'node:worker_threads';

export type HashRequest =
  | { op: 'create'; id: number; algorithm: string }
  | { op: 'update'; id: number; buffer: ArrayBuffer; length: number }
  | { op: 'digest'; id: number }
  | { op: 'drop'; id: number };

export type HashReply = { op: 'returned'; buffer: ArrayBuffer } | { op: 'digest'; id: number; hex: string } | { op: 'error'; id: number; message: string };

const hashes = new Map<number, Hash>();

parentPort?.on('message', (request: HashRequest) => {
  try {
    switch (request.op) {
      case 'create':
        hashes.set(request.id, createHash(request.algorithm));
        break;
      case 'update':
        hashes.get(request.id)?.update(new Uint8Array(request.buffer, 0, request.length));
        parentPort!.postMessage({ op: 'returned', buffer: request.buffer } satisfies HashReply, [request.buffer]);
        break;
      case 'digest': {
        const hash = hashes.get(request.id);
        hashes.delete(request.id);
        if (!hash) throw new Error(`no hash ${request.id}`);
        parentPort!.postMessage({ op: 'digest', id: request.id, hex: hash.digest('hex') } satisfies HashReply);
        break;
      }
      case 'drop':
        hashes.delete(request.id);
        break;
    }
  } catch (err) {
    parentPort!.postMessage({ op: 'error', id: (request as { id: number }).id, message: (err as Error).message } satisfies HashReply);
  }
});
