// Where content lives in a storage driver. The layout, built only here:
//
//   /blobs/<algorithm>/<first two hex>/<hex>/data             verified content sealed by Berth (the sealed form)
//   /blobs/<algorithm>/<first two hex>/<hex>/store-encrypted  the same content as plain bytes, encrypted at
//                                                             rest by the object store (redirect deployments)
//   /uploads/<upload id>/data                                 sealed bytes of an upload in progress
//   /uploads/<upload id>/store-encrypted                      plain bytes of an upload in progress (store-encrypted)
//
// A blob's form is its path, chosen by Berth when it writes: never read from the bytes, so
// content cannot pass itself off as the other form. Both forms of one digest may exist.
//
// Blobs are immutable and appear only by an atomic move of a verified upload (or an atomic
// put of verified bytes), so a reader never sees a partial or unverified blob.
import type { Digest } from '../domain/digest.js';

export const UPLOADS_ROOT = '/uploads';
export const BLOBS_ROOT = '/blobs';

/** The directory of a blob's forms. */
export function blobDir(digest: Digest): string {
  return `${BLOBS_ROOT}/${digest.algorithm}/${digest.hex.slice(0, 2)}/${digest.hex}`;
}

/** The digest and form of a path under BLOBS_ROOT, or undefined for a path that is not a blob's form. */
export function parseBlobPath(path: string): { digest: string; form: 'data' | 'store-encrypted' } | undefined {
  const match = /^\/blobs\/([a-z0-9]+)\/([0-9a-f]{2})\/([0-9a-f]+)\/(data|store-encrypted)$/.exec(path);
  if (!match || !match[3]!.startsWith(match[2]!)) return undefined;
  return { digest: `${match[1]}:${match[3]}`, form: match[4] as 'data' | 'store-encrypted' };
}

export function blobPath(digest: Digest): string {
  return `${BLOBS_ROOT}/${digest.algorithm}/${digest.hex.slice(0, 2)}/${digest.hex}/data`;
}

/** Where the store-encrypted form of a blob lives. */
export function storeEncryptedBlobPath(digest: Digest): string {
  return `${BLOBS_ROOT}/${digest.algorithm}/${digest.hex.slice(0, 2)}/${digest.hex}/store-encrypted`;
}

export function uploadDir(id: string): string {
  return `${UPLOADS_ROOT}/${id}`;
}

export function uploadDataPath(id: string): string {
  return `${uploadDir(id)}/data`;
}

export function uploadStoreEncryptedPath(id: string): string {
  return `${uploadDir(id)}/store-encrypted`;
}
