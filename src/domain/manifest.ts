// Parsing and validation of image manifests and indexes (OCI, Docker schema 2 and schema 1): what
// a manifest is, what it references, and what the referrers API says about it. Pure: no I/O.
import { parseSchema1 } from './conversions/schema1.js';
import { RegistryError } from './errors.js';
import { tryParseDigest } from './digest.js';
import { JsonDefectError, MAX_JSON_DEPTH, parseStrictJson } from './strict-json.js';
import {
  baseMediaType,
  isMediaType,
  isNondistributable,
  isSchema1,
  manifestKind,
  MediaTypes,
  type ManifestKind,
} from './media-types.js';

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  urls?: string[];
  annotations?: Record<string, string>;
  artifactType?: string;
  platform?: unknown;
}

export interface ParsedManifest {
  mediaType: string;
  kind: ManifestKind;
  config?: Descriptor;
  /** Blobs the manifest needs in the repository (config and distributable layers). */
  blobs: Descriptor[];
  /** Child manifests an index needs in the repository. */
  manifests: Descriptor[];
  subject?: Descriptor;
  /** What the referrers API reports: `artifactType`, else an image's config media type. */
  artifactType?: string;
  annotations?: Record<string, string>;
  /**
   * The manifest's digest when it is not that of its bytes: a signed schema 1 manifest is
   * addressed by its signed payload. Absent for every other format.
   */
  canonicalDigest?: string;
  /** Blob sizes are not known (schema 1 names layers by digest only). */
  unsized?: true;
}

function invalid(message: string, detail?: unknown): RegistryError {
  return new RegistryError('MANIFEST_INVALID', message, detail);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Fields of the structures parseManifest reads (manifest, index, descriptor). */
const MANIFEST_FIELDS = [
  'schemaVersion',
  'mediaType',
  'artifactType',
  'config',
  'layers',
  'manifests',
  'subject',
  'annotations',
];
const DESCRIPTOR_FIELDS = ['mediaType', 'digest', 'size', 'urls', 'annotations', 'artifactType', 'platform', 'data'];

/** Go's case folding, near enough: "K" (Kelvin sign) and "ſ" fold to k and s as Go's EqualFold has them. */
const fold = (key: string) => key.toUpperCase().toLowerCase();

/**
 * Go clients (Docker, containerd) match a JSON key to a struct field case-insensitively, and
 * the later of two matching keys wins: `{"layers": [A], "Layers": [B]}` is A here and B there.
 * A key that folds to one of the structure's fields without being it is refused.
 */
function refuseAmbiguousKeys(value: Record<string, unknown>, fields: readonly string[], where: string): void {
  for (const key of Object.keys(value)) {
    if (fields.includes(key)) continue;
    const field = fields.find((f) => fold(f) === fold(key));
    if (field) throw invalid(`${where} has the key "${key}", which Go clients read as "${field}"`, { key });
  }
}

const isStringList = (value: unknown) => Array.isArray(value) && value.every((v) => typeof v === 'string');

/** An index entry's platform (image-index.md): architecture and os required, the rest typed. */
function checkPlatform(value: unknown, where: string): void {
  if (!isPlainObject(value)) throw invalid(`${where}.platform must be an object`);
  if (typeof value.architecture !== 'string' || typeof value.os !== 'string')
    throw invalid(`${where}.platform must name its architecture and os`);
  for (const field of ['os.version', 'variant'] as const) {
    if (value[field] !== undefined && typeof value[field] !== 'string')
      throw invalid(`${where}.platform.${field} must be a string`);
  }
  for (const field of ['os.features', 'features'] as const) {
    if (value[field] !== undefined && !isStringList(value[field]))
      throw invalid(`${where}.platform.${field} must be an array of strings`);
  }
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function parseAnnotations(value: unknown, where: string): Record<string, string> | undefined {
  if (value === undefined) return undefined;
  if (!isPlainObject(value) || !Object.values(value).every((v) => typeof v === 'string')) {
    throw invalid(`${where}.annotations must be a map of strings`);
  }
  return value as Record<string, string>;
}

export function parseDescriptor(value: unknown, where: string): Descriptor {
  if (!isPlainObject(value)) throw invalid(`${where} must be a descriptor object`);
  refuseAmbiguousKeys(value, DESCRIPTOR_FIELDS, where);
  const { mediaType, digest, size, urls, annotations, artifactType, platform, data } = value;
  if (!isMediaType(mediaType)) throw invalid(`${where}.mediaType is missing or not a media type`);
  if (typeof digest !== 'string' || !tryParseDigest(digest))
    throw invalid(`${where}.digest is missing or invalid`, { digest });
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0)
    throw invalid(`${where}.size must be a non-negative integer`);
  if (urls !== undefined && (!Array.isArray(urls) || !urls.every((u) => typeof u === 'string')))
    throw invalid(`${where}.urls must be an array of strings`);
  if (artifactType !== undefined && !isMediaType(artifactType))
    throw invalid(`${where}.artifactType is not a media type`);
  // Embedded content is base64 (descriptor.md). Whether it is the content named is its consumers'
  // to verify (a SHOULD there): real manifests carry data that is not.
  if (data !== undefined && (typeof data !== 'string' || !BASE64.test(data)))
    throw invalid(`${where}.data must be base64`);
  const descriptor: Descriptor = { mediaType, digest, size };
  if (urls !== undefined) descriptor.urls = urls as string[];
  const parsedAnnotations = parseAnnotations(annotations, where);
  if (parsedAnnotations) descriptor.annotations = parsedAnnotations;
  if (artifactType !== undefined) descriptor.artifactType = artifactType;
  if (platform !== undefined) {
    checkPlatform(platform, where);
    descriptor.platform = platform;
  }
  return descriptor;
}

function parseDescriptorList(value: unknown, where: string): Descriptor[] {
  if (!Array.isArray(value)) throw invalid(`${where} must be an array`);
  return value.map((item, i) => parseDescriptor(item, `${where}[${i}]`));
}

/** Decides the manifest's media type from the body's `mediaType` and the request's Content-Type. */
function resolveMediaType(body: Record<string, unknown>, contentType: string | undefined): string {
  const header = baseMediaType(contentType);
  const declared = body.mediaType;
  if (declared !== undefined && typeof declared !== 'string') throw invalid('mediaType must be a string');
  if (
    declared !== undefined &&
    header !== undefined &&
    (manifestKind(header) || isSchema1(header)) &&
    header !== declared
  ) {
    throw invalid(`Content-Type "${header}" does not match the manifest's mediaType "${declared}"`);
  }
  const mediaType = declared ?? (header && (manifestKind(header) || isSchema1(header)) ? header : undefined);
  if (mediaType) return mediaType;
  // OCI allows an image manifest or index without mediaType: tell them apart by shape.
  if ('manifests' in body) return MediaTypes.ociIndex;
  if ('config' in body) return MediaTypes.ociManifest;
  throw invalid('cannot determine the manifest media type: no mediaType field and no manifest Content-Type');
}

/** Parses manifest bytes as pushed; throws MANIFEST_INVALID with a precise message on any defect. */
export async function parseManifest(bytes: Buffer, contentType: string | undefined): Promise<ParsedManifest> {
  let body: unknown;
  try {
    body = parseStrictJson(bytes, MAX_JSON_DEPTH);
  } catch (err) {
    if (!(err instanceof JsonDefectError)) throw err;
    throw invalid(`manifest ${err.message}`, {
      reason: err.defect,
      ...(err.defect === 'depth' && { maxDepth: MAX_JSON_DEPTH }),
    });
  }
  if (!isPlainObject(body)) throw invalid('manifest must be a JSON object');
  // Schema 1 has no mediaType field and is often pushed as application/json: recognise it
  // by schemaVersion before the media type is resolved, so the refusal says why.
  const header = baseMediaType(contentType);
  const mediaType =
    body.schemaVersion === 1 && body.mediaType === undefined
      ? header && isSchema1(header)
        ? header
        : MediaTypes.dockerSchema1
      : resolveMediaType(body, contentType);
  if (isSchema1(mediaType) || body.schemaVersion === 1) {
    if (header && manifestKind(header))
      throw invalid(`Content-Type "${header}" does not match the body, a schema 1 manifest`);
    if (body.schemaVersion !== 1)
      throw invalid(`Content-Type "${mediaType}" needs a schema 1 manifest (schemaVersion 1)`);
    const schema1 = await parseSchema1(bytes, body, header);
    const layers = [...new Set(schema1.blobSums)].map((digest) => ({
      mediaType: 'application/vnd.docker.container.image.rootfs.diff+x-gtar',
      digest,
      size: -1,
    }));
    const parsed: ParsedManifest = {
      mediaType: schema1.mediaType,
      kind: 'image',
      blobs: layers,
      manifests: [],
      unsized: true,
    };
    if (schema1.mediaType === MediaTypes.dockerSchema1Signed) parsed.canonicalDigest = schema1.digest;
    return parsed;
  }
  const kind = manifestKind(mediaType);
  if (!kind) throw invalid(`unsupported manifest media type "${mediaType}"`, { mediaType });
  if (body.schemaVersion !== 2) throw invalid('schemaVersion must be 2');
  refuseAmbiguousKeys(body, MANIFEST_FIELDS, 'manifest');
  const artifactType = body.artifactType;
  if (artifactType !== undefined && !isMediaType(artifactType)) throw invalid('artifactType is not a media type');
  const annotations = parseAnnotations(body.annotations, 'manifest');
  const subject = body.subject === undefined ? undefined : parseDescriptor(body.subject, 'subject');

  const parsed: ParsedManifest = { mediaType, kind, blobs: [], manifests: [] };
  if (subject) parsed.subject = subject;
  if (annotations) parsed.annotations = annotations;

  if (kind === 'image') {
    if ('manifests' in body) throw invalid('an image manifest must not have "manifests"');
    const config = parseDescriptor(body.config, 'config');
    // REQUIRED in both formats (an artifact with no layers says `"layers": []`).
    if (body.layers === undefined)
      throw invalid('an image manifest must have "layers" (an empty array when it has none)');
    const layers = parseDescriptorList(body.layers, 'layers');
    parsed.config = config;
    parsed.blobs = [config, ...layers.filter((l) => !(isNondistributable(l.mediaType) && l.urls?.length))];
    parsed.artifactType = (artifactType as string | undefined) ?? config.mediaType;
  } else {
    if ('config' in body || 'layers' in body) throw invalid('an index must not have "config" or "layers"');
    parsed.manifests = parseDescriptorList(body.manifests, 'manifests');
    if (artifactType !== undefined) parsed.artifactType = artifactType as string;
  }
  return parsed;
}
