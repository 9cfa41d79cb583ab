// Docker image manifest schema 1 (signed `v1+prettyjws` and unsigned `v1+json`): structure,
// fsLayers/history consistency and libtrust signatures, as Docker's daemon and registry check them.
import { isDeepStrictEqual } from 'node:util';
import { digestOf } from '../digest.js';
import { tryParseDigest } from '../digest.js';
import { RegistryError } from '../errors.js';
import { MediaTypes } from '../media-types.js';
import { JsonDefectError, parseStrictJson } from '../strict-json.js';
import { parsePrettyJws, verifyJws } from './jws.js';

export interface Schema1Manifest {
  mediaType: string;
  /** The manifest's digest: of the signed payload (signatures left out) when signed, else of the bytes. */
  digest: string;
  name: string;
  tag: string;
  architecture: string;
  /** Layer digests, base layer last, repeats included. */
  blobSums: string[];
}

const V1_ID = /^[a-f0-9]{64}$/;

function invalid(message: string, detail?: unknown): RegistryError {
  return new RegistryError('MANIFEST_INVALID', message, detail);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseJson(bytes: Buffer, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = parseStrictJson(bytes);
  } catch (err) {
    if (!(err instanceof JsonDefectError)) throw err;
    throw invalid(`${what} ${err.message}`);
  }
  if (!isObject(value)) throw invalid(`${what} must be a JSON object`);
  return value;
}

/** Checks one schema 1 body (the signed payload when signed): fields, layers and the v1 id chain. */
function checkStructure(body: Record<string, unknown>): Omit<Schema1Manifest, 'mediaType' | 'digest'> {
  if (body.schemaVersion !== 1) throw invalid('schemaVersion must be 1');
  for (const field of ['name', 'tag', 'architecture'] as const) {
    if (body[field] !== undefined && typeof body[field] !== 'string') throw invalid(`${field} must be a string`);
  }
  if (typeof body.name !== 'string' || body.name === '') throw invalid('a schema 1 manifest must name its repository');
  const { fsLayers, history } = body;
  if (!Array.isArray(fsLayers) || fsLayers.length === 0) throw invalid('fsLayers must be a non-empty array');
  if (!Array.isArray(history)) throw invalid('history must be an array');
  if (history.length !== fsLayers.length) {
    throw invalid(`history has ${history.length} entries for ${fsLayers.length} fsLayers: they must match one to one`, {
      fsLayers: fsLayers.length,
      history: history.length,
    });
  }
  const blobSums = fsLayers.map((layer, i) => {
    if (!isObject(layer) || typeof layer.blobSum !== 'string' || !tryParseDigest(layer.blobSum))
      throw invalid(`fsLayers[${i}].blobSum is missing or not a digest`);
    return layer.blobSum;
  });
  const images = history.map((entry, i) => {
    if (!isObject(entry) || typeof entry.v1Compatibility !== 'string')
      throw invalid(`history[${i}].v1Compatibility must be a string`);
    const image = parseJson(Buffer.from(entry.v1Compatibility), `history[${i}].v1Compatibility`);
    if (typeof image.id !== 'string' || !V1_ID.test(image.id))
      throw invalid(`history[${i}].v1Compatibility.id must be 64 hex digits`);
    if (
      image.parent !== undefined &&
      image.parent !== '' &&
      (typeof image.parent !== 'string' || !V1_ID.test(image.parent))
    ) {
      throw invalid(`history[${i}].v1Compatibility.parent must be 64 hex digits`);
    }
    return { id: image.id, parent: (image.parent as string | undefined) || undefined };
  });
  // Newest first: each image's parent is the next entry; the base has none.
  images.forEach((image, i) => {
    const expected = images[i + 1]?.id;
    if (image.parent !== expected) {
      throw invalid(
        expected
          ? `history[${i}] names parent ${String(image.parent)}, expected ${expected}`
          : "the base layer's history entry must have no parent",
        { index: i },
      );
    }
  });
  return {
    name: body.name,
    tag: typeof body.tag === 'string' ? body.tag : '',
    architecture: typeof body.architecture === 'string' ? body.architecture : '',
    blobSums,
  };
}

/**
 * Parses and verifies a schema 1 manifest. A body with `signatures` is verified and its digest is
 * that of the signed payload (what Docker and containers/image compute); one without is unsigned,
 * unless pushed as `v1+prettyjws`, which must be signed.
 */
export async function parseSchema1(
  bytes: Buffer,
  body: Record<string, unknown>,
  headerType: string | undefined,
): Promise<Schema1Manifest> {
  if (body.mediaType !== undefined) throw invalid('a schema 1 manifest has no mediaType field');
  const signed = body.signatures !== undefined || headerType === MediaTypes.dockerSchema1Signed;
  if (!signed) {
    return { mediaType: MediaTypes.dockerSchema1, digest: digestOf(bytes), ...checkStructure(body) };
  }
  const jws = parsePrettyJws(bytes, body);
  const payload = parseJson(jws.payload, 'the signed payload');
  const { signatures: _signatures, ...unsigned } = body;
  if (!isDeepStrictEqual(payload, unsigned))
    throw new RegistryError('MANIFEST_UNVERIFIED', 'the manifest differs from its signed payload');
  const structure = checkStructure(payload);
  await verifyJws(jws);
  return { mediaType: MediaTypes.dockerSchema1Signed, digest: digestOf(jws.payload), ...structure };
}
