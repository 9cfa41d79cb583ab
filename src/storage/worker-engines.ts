// Sealing and opening on the hashing worker (runtime/hash-worker.ts), with the blob format's
// batches (encryption/batch-codec.ts): uploads hash and seal each batch in one message, and large
// reads open their segments there, so the HTTP thread only parses, copies and writes.
import { HashWorker, type RunningHash } from '../runtime/hash-worker.js';
import type { OpenEngineFactory } from './blob-store.js';
import type { SegmentParams } from './encryption/batch-codec.js';
import { BATCH, OPEN_BATCH, SEALED_BATCH, type SealEngine } from './encryption/engines.js';
import type { DataKey } from './encryption/readers.js';
import type { Header } from './encryption/segments.js';

/** A hashing worker that seals and opens segments of the blob format. */
export function segmentWorker(): HashWorker {
  return new HashWorker({
    codec: new URL('./encryption/batch-codec.js', import.meta.url),
    batch: BATCH,
    sealedBatch: SEALED_BATCH,
    openBatch: OPEN_BATCH,
  });
}

/** The process's hashing worker, shared by every upload and blob service in it. */
export const sharedHashWorker = segmentWorker();

/**
 * The parameters of a key and header, the same object each time for the same pair (the last one
 * per key is kept): a running hash kept between an upload's requests then sees that its sealer
 * at the worker still fits, and sends no new one.
 */
const lastParams = new WeakMap<DataKey['key'], SegmentParams>();

function params(key: DataKey, header: Header): SegmentParams {
  const last = lastParams.get(key.key);
  if (last && Buffer.compare(last.header, header.bytes) === 0) return last;
  const made = { key: key.key, header: header.bytes };
  lastParams.set(key.key, made);
  return made;
}

/** A seal engine for an upload file sealed with `key` under `header`, whose new bytes feed `hash`. */
export function workerSealing(hash: RunningHash, key: DataKey, header: Header): SealEngine {
  return hash.sealing(params(key, header));
}

/** Opens sealed segments on `worker` (the shared one by default). */
export function workerOpening(worker: HashWorker = sharedHashWorker): OpenEngineFactory {
  return (key, header) => worker.opening(params(key, header));
}
