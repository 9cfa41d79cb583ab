// Where content lives in a storage driver. The layout, built only here:
//
//   /blobs/<algorithm>/<first two hex>/<hex>/data     verified content, named by its digest
//   /uploads/<upload id>/data                         bytes of an upload in progress
//
// Blobs are immutable and appear only by an atomic move of a verified upload (or an atomic
// put of verified bytes), so a reader never sees a partial or unverified blob.
import type { Digest } from '../domain/digest.js';

export const UPLOADS_ROOT = '/uploads';
export const BLOBS_ROOT = '/blobs';

export function blobPath(digest: Digest): string {
  return `${BLOBS_ROOT}/${digest.algorithm}/${digest.hex.slice(0, 2)}/${digest.hex}/data`;
}

export function uploadDir(id: string): string {
  return `${UPLOADS_ROOT}/${id}`;
}

export function uploadDataPath(id: string): string {
  return `${uploadDir(id)}/data`;
}
