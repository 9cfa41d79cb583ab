// Docker schema 2 ↔ OCI: image manifests (config and layer media types mapped, every digest kept)
// and manifest lists ↔ indexes (children replaced by their own conversions). Artifacts never convert.
import { RegistryError } from '../errors.js';
import type { Descriptor } from '../manifest.js';
import { MediaTypes } from '../media-types.js';

/** Docker layer and config media types → OCI; the reverse map is derived from it. */
const DOCKER_TO_OCI: ReadonlyMap<string, string> = new Map([
  [MediaTypes.dockerConfig, MediaTypes.ociConfig],
  ['application/vnd.docker.image.rootfs.diff.tar', 'application/vnd.oci.image.layer.v1.tar'],
  ['application/vnd.docker.image.rootfs.diff.tar.gzip', 'application/vnd.oci.image.layer.v1.tar+gzip'],
  ['application/vnd.docker.image.rootfs.diff.tar.zstd', 'application/vnd.oci.image.layer.v1.tar+zstd'],
  ['application/vnd.docker.image.rootfs.foreign.diff.tar', 'application/vnd.oci.image.layer.nondistributable.v1.tar'],
  [MediaTypes.dockerForeignLayer, 'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip'],
]);
const OCI_TO_DOCKER: ReadonlyMap<string, string> = new Map([...DOCKER_TO_OCI].map(([docker, oci]) => [oci, docker]));

export type Family = 'docker' | 'oci';

export const IMAGE_TYPE: Record<Family, string> = { docker: MediaTypes.dockerManifest, oci: MediaTypes.ociManifest };
export const LIST_TYPE: Record<Family, string> = { docker: MediaTypes.dockerManifestList, oci: MediaTypes.ociIndex };

export function familyOf(mediaType: string): Family | undefined {
  if (mediaType === MediaTypes.dockerManifest || mediaType === MediaTypes.dockerManifestList) return 'docker';
  if (mediaType === MediaTypes.ociManifest || mediaType === MediaTypes.ociIndex) return 'oci';
  return undefined;
}

function notConvertible(message: string): RegistryError {
  return new RegistryError('MANIFEST_UNKNOWN', message);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A descriptor in the target family's field order, with only the fields that family has. */
function descriptor(source: Descriptor, mediaType: string, to: Family): Record<string, unknown> {
  const out: Record<string, unknown> = { mediaType, size: source.size, digest: source.digest };
  if (source.urls) out.urls = source.urls;
  if (to === 'oci' && source.annotations) out.annotations = source.annotations;
  if (source.platform !== undefined) out.platform = source.platform;
  return out;
}

function mapType(mediaType: string, to: Family, what: string): string {
  const mapped = (to === 'oci' ? DOCKER_TO_OCI : OCI_TO_DOCKER).get(mediaType);
  if (!mapped)
    throw notConvertible(`${what} media type ${mediaType} has no ${to === 'oci' ? 'OCI' : 'Docker'} equivalent`);
  return mapped;
}

/**
 * Whether an OCI image manifest is an artifact (or anything else a Docker client could not run):
 * an `artifactType`, a `subject`, or a config that is not an image config.
 */
export function isArtifact(body: Record<string, unknown>): boolean {
  const config = isObject(body.config) ? body.config.mediaType : undefined;
  return (
    body.artifactType !== undefined ||
    body.subject !== undefined ||
    (config !== MediaTypes.ociConfig && config !== MediaTypes.dockerConfig)
  );
}

function serialize(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value, null, 3));
}

/** An image manifest in the other family: same config and layer digests, mapped media types. */
export function convertImage(body: Record<string, unknown>, to: Family): Buffer {
  if (isArtifact(body)) throw notConvertible('an artifact is never converted');
  const config = body.config as Descriptor;
  const layers = (Array.isArray(body.layers) ? body.layers : []) as Descriptor[];
  const out: Record<string, unknown> = { schemaVersion: 2, mediaType: IMAGE_TYPE[to] };
  out.config = descriptor(config, mapType(config.mediaType, to, 'the config'), to);
  out.layers = layers.map((layer, i) => descriptor(layer, mapType(layer.mediaType, to, `layer ${i}`), to));
  if (to === 'oci' && isObject(body.annotations)) out.annotations = body.annotations;
  return serialize(out);
}

/**
 * A list or index in the other family. `children` gives, for each entry's digest, the converted
 * child's digest and size (or undefined when that child cannot be converted: then neither can the list).
 */
export function convertList(
  body: Record<string, unknown>,
  to: Family,
  children: ReadonlyMap<string, { digest: string; size: number }>,
): Buffer {
  if (body.artifactType !== undefined || body.subject !== undefined)
    throw notConvertible('an artifact index is never converted');
  const entries = (Array.isArray(body.manifests) ? body.manifests : []) as Descriptor[];
  const out: Record<string, unknown> = { schemaVersion: 2, mediaType: LIST_TYPE[to] };
  out.manifests = entries.map((entry) => {
    const child = children.get(entry.digest);
    if (!child || familyOf(entry.mediaType) === undefined)
      throw notConvertible(`child manifest ${entry.digest} (${entry.mediaType}) cannot be converted`);
    const mediaType =
      entry.mediaType === MediaTypes.dockerManifestList || entry.mediaType === MediaTypes.ociIndex
        ? LIST_TYPE[to]
        : IMAGE_TYPE[to];
    return descriptor({ ...entry, digest: child.digest, size: child.size }, mediaType, to);
  });
  if (to === 'oci' && isObject(body.annotations)) out.annotations = body.annotations;
  return serialize(out);
}
