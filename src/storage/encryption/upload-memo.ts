// What a node keeps of sealed uploads between their requests, sparing each chunk of a chunked
// upload work whose answer cannot change: the header of an upload's data file (written once when
// the upload starts; a repair copies it, and upload ids are never reused), and the key its tail
// is sealed with (derived from the data key). Before, every PATCH read the header back through a
// read stream and derived the tail key twice (reading the tail, writing it). Only caches: a
// missing entry is read or derived again, so another node or a restart loses nothing.
import { createHmac, createSecretKey, type KeyObject } from 'node:crypto';
import type { StorageDriver } from '../driver.js';
import type { Header } from './segments.js';

/** Headers kept per driver (the uploads in progress on this node, with room to spare). */
const HEADERS_KEPT = 1024;
const headers = new WeakMap<StorageDriver, Map<string, Header>>();
const tailKeys = new WeakMap<KeyObject, KeyObject>();

/** The header of the upload data file at `path`, as read before; undefined when not kept. */
export function keptHeader(driver: StorageDriver, path: string): Header | undefined {
  return headers.get(driver)?.get(path);
}

/** Keeps the header of the upload data file at `path` (the oldest kept goes when there are too many). */
export function keepHeader(driver: StorageDriver, path: string, header: Header): void {
  let kept = headers.get(driver);
  if (!kept) {
    kept = new Map();
    headers.set(driver, kept);
  }
  kept.delete(path);
  kept.set(path, header);
  if (kept.size > HEADERS_KEPT) kept.delete(kept.keys().next().value!);
}

/** The key an upload's tail is sealed with, derived once per data key. */
export function tailKey(dataKey: KeyObject): KeyObject {
  let key = tailKeys.get(dataKey);
  if (!key) {
    key = createSecretKey(createHmac('sha256', dataKey).update('berth upload tail').digest());
    tailKeys.set(dataKey, key);
  }
  return key;
}
