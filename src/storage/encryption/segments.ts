// The encrypted blob format: a 32-byte header, then AES-256-GCM segments of 64 KiB plaintext,
// each sealed on its own so a Range read decrypts only the segments it touches.
//
//   header:  "BRT1" | segment shift (1) | 3 zero bytes | nonce prefix (8) | data key id (16)
//   segment: ciphertext (<= 64 KiB) | tag (16)        nonce = prefix | uint32 BE segment index
//                                                      AAD   = one byte: 1 on the last segment
//
// The index in the nonce stops reordering; the final flag stops truncation (a file cut at a
// segment boundary has no segment sealed as last). Every blob has at least one segment (an
// empty blob is one empty final segment), so the plaintext size follows from the file size.
import { createCipheriv, createDecipheriv, randomBytes, type KeyObject } from 'node:crypto';
import { IntegrityError } from '../../domain/integrity.js';

export const SEGMENT_SHIFT = 16;
export const SEGMENT = 1 << SEGMENT_SHIFT;
export const TAG = 16;
export const SEALED_SEGMENT = SEGMENT + TAG;
export const HEADER = 32;
const MAGIC = Buffer.from('BRT1');
const FINAL = Buffer.from([1]);
const NOT_FINAL = Buffer.from([0]);

export { IntegrityError };

export interface Header {
  /** The 8 bytes every segment nonce starts with. */
  noncePrefix: Buffer;
  /** Names the data key (metadata keeps its wraps under this id). */
  dataKeyId: string;
  bytes: Buffer;
}

export function newHeader(dataKeyId: Buffer): Header {
  if (dataKeyId.length !== 16) throw new Error('a data key id is 16 bytes');
  const bytes = Buffer.alloc(HEADER);
  MAGIC.copy(bytes, 0);
  bytes[4] = SEGMENT_SHIFT;
  randomBytes(8).copy(bytes, 8);
  dataKeyId.copy(bytes, 16);
  return parseHeader(bytes);
}

export function parseHeader(bytes: Buffer): Header {
  if (bytes.length < HEADER || !bytes.subarray(0, 4).equals(MAGIC))
    throw new IntegrityError('not an encrypted Berth file (bad header)');
  if (bytes[4] !== SEGMENT_SHIFT) throw new IntegrityError(`unsupported segment size 2^${bytes[4]}`);
  const header = Buffer.from(bytes.subarray(0, HEADER));
  return { noncePrefix: header.subarray(8, 16), dataKeyId: header.subarray(16, 32).toString('hex'), bytes: header };
}

function nonce(prefix: Buffer, index: number): Buffer {
  const n = Buffer.allocUnsafe(12);
  prefix.copy(n, 0);
  n.writeUInt32BE(index, 8);
  return n;
}

/** Seals one segment (at most SEGMENT bytes of plaintext) as ciphertext and tag, written one after the other. */
export function sealSegmentParts(
  key: KeyObject,
  header: Header,
  index: number,
  plaintext: Uint8Array,
  final: boolean,
): [Buffer, Buffer] {
  const cipher = createCipheriv('aes-256-gcm', key, nonce(header.noncePrefix, index), { authTagLength: TAG });
  cipher.setAAD(final ? FINAL : NOT_FINAL);
  const body = cipher.update(plaintext);
  cipher.final(); // GCM is a stream mode: nothing is held back
  return [body, cipher.getAuthTag()];
}

/** Seals one segment (at most SEGMENT bytes of plaintext). */
export function sealSegment(
  key: KeyObject,
  header: Header,
  index: number,
  plaintext: Uint8Array,
  final: boolean,
): Buffer {
  const [body, tag] = sealSegmentParts(key, header, index, plaintext, final);
  return Buffer.concat([body, tag], body.length + TAG);
}

/** Opens one sealed segment (ciphertext plus tag); throws IntegrityError when it does not authenticate. */
export function openSegment(key: KeyObject, header: Header, index: number, sealed: Uint8Array, final: boolean): Buffer {
  if (sealed.length < TAG) throw new IntegrityError(`segment ${index} is truncated`);
  const decipher = createDecipheriv('aes-256-gcm', key, nonce(header.noncePrefix, index), { authTagLength: TAG });
  decipher.setAAD(final ? FINAL : NOT_FINAL);
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG));
  const body = decipher.update(sealed.subarray(0, sealed.length - TAG));
  try {
    decipher.final();
  } catch {
    throw new IntegrityError(`segment ${index} failed authentication: the stored bytes were changed or cut`);
  }
  return body;
}

/** Segments of a blob of `size` plaintext bytes (at least one). */
export function segmentCount(size: number): number {
  return Math.max(1, Math.ceil(size / SEGMENT));
}

/** The stored size of a blob of `size` plaintext bytes. */
export function sealedSize(size: number): number {
  return HEADER + size + segmentCount(size) * TAG;
}

/** The plaintext size of a stored blob file of `stored` bytes; throws when no blob has that size. */
export function plainSize(stored: number): number {
  const body = stored - HEADER;
  const count = Math.ceil(body / SEALED_SEGMENT);
  const last = body - (count - 1) * SEALED_SEGMENT;
  if (body < TAG || last < TAG) throw new IntegrityError(`a stored blob of ${stored} bytes is truncated`);
  return body - count * TAG;
}

/** Seals a whole (small) blob: header and every segment, the last one final. */
export function sealAll(key: KeyObject, header: Header, plaintext: Uint8Array): Buffer {
  const count = segmentCount(plaintext.length);
  const parts: Buffer[] = [header.bytes];
  for (let i = 0; i < count; i++) {
    parts.push(
      sealSegment(
        key,
        header,
        i,
        plaintext.subarray(i * SEGMENT, Math.min(plaintext.length, (i + 1) * SEGMENT)),
        i === count - 1,
      ),
    );
  }
  return Buffer.concat(parts);
}

/** Opens a whole (small) stored blob. */
export function openAll(key: KeyObject, stored: Buffer): Buffer {
  const header = parseHeader(stored);
  const size = plainSize(stored.length);
  const count = segmentCount(size);
  const parts: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const start = HEADER + i * SEALED_SEGMENT;
    parts.push(
      openSegment(
        key,
        header,
        i,
        stored.subarray(start, Math.min(stored.length, start + SEALED_SEGMENT)),
        i === count - 1,
      ),
    );
  }
  return Buffer.concat(parts, size);
}
