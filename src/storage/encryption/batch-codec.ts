// The sealing and opening the hashing worker's thread does (runtime/hash-thread.ts loads this
// module by name): batches of segments of the blob format, under a data key and a file's header.
import type { KeyObject } from 'node:crypto';
import { openBatch, sealBatch } from './engines.js';
import { parseHeader, type Header } from './segments.js';

/** What a sealer or opener is registered with: the data key and the header bytes of its file. */
export interface SegmentParams {
  key: KeyObject;
  header: Uint8Array;
}

interface SegmentState {
  key: KeyObject;
  header: Header;
}

export function prepare(params: SegmentParams): SegmentState {
  return { key: params.key, header: parseHeader(Buffer.from(params.header)) };
}

export function seal(state: SegmentState, plain: Uint8Array, first: number, count: number, out: Uint8Array): number {
  return sealBatch(state.key, state.header, plain, first, count, out).length;
}

export function open(state: SegmentState, bytes: Uint8Array, length: number, first: number, last: number): number {
  return openBatch(state.key, state.header, bytes, length, first, last);
}
