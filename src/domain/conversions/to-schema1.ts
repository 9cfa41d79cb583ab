// Schema 2 (or OCI) image → Docker schema 1, for engines older than 1.10: the algorithm of the
// reference registry's schema1 config builder, so the output matches what Docker itself made.
import { createHash } from 'node:crypto';
import { RegistryError } from '../errors.js';
import type { Descriptor } from '../manifest.js';
import { JsonDefectError, MAX_JSON_DEPTH, parseStrictJson } from '../strict-json.js';
import { goJson, sortedKeys } from './go-json.js';

/** The gzipped empty tar Docker uses for history entries that add no layer (32 bytes). */
export const GZIPPED_EMPTY_TAR = {
  digest: 'sha256:a3ed95caeb02ffe68cdd9fd84406680ae93d633cb16422d00e8a7c22955b46d4',
  bytes: Buffer.from('1f8b080000096e8800ff621805a360148c5800080000ffff2eafb5ef00040000', 'hex'),
} as const;

interface HistoryEntry {
  created?: string;
  created_by?: string;
  author?: string;
  comment?: string;
  empty_layer?: boolean;
}

const ZERO_TIME = '0001-01-01T00:00:00Z';

function unconvertible(message: string): RegistryError {
  return new RegistryError('MANIFEST_UNKNOWN', `cannot serve this image as Docker schema 1: ${message}`);
}

function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function history(config: Record<string, unknown>, layerCount: number): HistoryEntry[] {
  const entries = config.history;
  // An image without history gets one entry per layer, as Docker's builder assumes.
  if (entries === undefined || (Array.isArray(entries) && entries.length === 0))
    return Array.from({ length: layerCount }, () => ({}));
  if (!Array.isArray(entries) || !entries.every(isObject))
    throw unconvertible("the image config's history is not a list");
  const list = entries as HistoryEntry[];
  const layered = list.filter((h) => !h.empty_layer).length;
  if (layered !== layerCount)
    throw unconvertible(`the config's history names ${layered} layers, the manifest has ${layerCount}`);
  return list;
}

/**
 * The unsigned schema 1 payload (indented by three spaces, as Docker signs it) of an image whose
 * manifest names `layers` and whose config blob is `configBytes`, for `name`:`tag`.
 */
export function toSchema1Payload(layers: Descriptor[], configBytes: Buffer, name: string, tag: string): Buffer {
  let config: unknown;
  try {
    // A config nested deeper than any real one (it is a blob: nothing bounded it on push) is not
    // walked: re-serializing it would overflow the stack.
    config = parseStrictJson(configBytes, MAX_JSON_DEPTH);
  } catch (err) {
    if (!(err instanceof JsonDefectError)) throw err;
    throw unconvertible(`the image config ${err.message}`);
  }
  if (!isObject(config)) throw unconvertible('the image config is not a JSON object');
  const entries = history(config, layers.length);
  // Schema 1 needs at least one fsLayer: an image with neither layers nor history has no such form.
  if (entries.length === 0) throw unconvertible('the image has no layers and no history');
  const fsLayers: { blobSum: string }[] = [];
  const historyOut: { v1Compatibility: string }[] = [];
  let parent = '';
  let layer = 0;
  const blobSumOf = (entry: HistoryEntry) => (entry.empty_layer ? GZIPPED_EMPTY_TAR.digest : layers[layer++]!.digest);
  entries.slice(0, -1).forEach((entry) => {
    const blobSum = blobSumOf(entry);
    const id = sha256Hex(`${blobSum.slice(blobSum.indexOf(':') + 1)} ${parent}`);
    // Field order of the reference registry's v1Compatibility struct; omitempty fields left out.
    const v1: Record<string, unknown> = { id };
    if (parent) v1.parent = parent;
    if (entry.comment) v1.comment = entry.comment;
    v1.created = typeof entry.created === 'string' ? entry.created : ZERO_TIME;
    v1.container_config = { Cmd: [entry.created_by ?? ''] };
    if (entry.author) v1.author = entry.author;
    if (entry.empty_layer) v1.throwaway = true;
    fsLayers.unshift({ blobSum });
    historyOut.unshift({ v1Compatibility: goJson(v1) });
    parent = id;
  });
  const latest = entries[entries.length - 1]!;
  const blobSum = blobSumOf(latest);
  const id = sha256Hex(`${blobSum.slice(blobSum.indexOf(':') + 1)} ${parent} ${configBytes.toString('utf8')}`);
  // The newest entry is the image config itself, less the fields schema 1 did not have.
  const { rootfs: _rootfs, history: _history, ...rest } = config;
  const top: Record<string, unknown> = { ...rest, id };
  if (parent) top.parent = parent;
  if (latest.empty_layer) top.throwaway = true;
  fsLayers.unshift({ blobSum });
  historyOut.unshift({ v1Compatibility: goJson(sortedKeys(top)) });
  const manifest = {
    schemaVersion: 1,
    name,
    tag,
    architecture: typeof config.architecture === 'string' ? config.architecture : '',
    fsLayers,
    history: historyOut,
  };
  return Buffer.from(goJson(manifest, '   '));
}
