// The media types Berth knows: manifests it accepts and what each kind of descriptor may reference.

export const MediaTypes = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociEmpty: 'application/vnd.oci.empty.v1+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerSchema1: 'application/vnd.docker.distribution.manifest.v1+json',
  dockerSchema1Signed: 'application/vnd.docker.distribution.manifest.v1+prettyjws',
  dockerForeignLayer: 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
} as const;

/** The OCI "empty" descriptor's blob: `{}`. Artifacts use it as their config. */
export const EMPTY_JSON = {
  digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a',
  size: 2,
  bytes: Buffer.from('{}'),
} as const;

export type ManifestKind = 'image' | 'index';

const MANIFEST_KINDS: ReadonlyMap<string, ManifestKind> = new Map([
  [MediaTypes.ociManifest, 'image'],
  [MediaTypes.dockerManifest, 'image'],
  [MediaTypes.ociIndex, 'index'],
  [MediaTypes.dockerManifestList, 'index'],
]);

export function manifestKind(mediaType: string): ManifestKind | undefined {
  return MANIFEST_KINDS.get(mediaType);
}

export function isSchema1(mediaType: string): boolean {
  return mediaType === MediaTypes.dockerSchema1 || mediaType === MediaTypes.dockerSchema1Signed;
}

/** Layers that are, by definition, not pushed to registries (they carry `urls`). */
export function isNondistributable(mediaType: string): boolean {
  return (
    mediaType === MediaTypes.dockerForeignLayer ||
    mediaType.startsWith('application/vnd.oci.image.layer.nondistributable.')
  );
}

// RFC 6838 type/subtype with an optional +suffix and parameters stripped before the check.
const MEDIA_TYPE = /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}$/;

export function isMediaType(value: unknown): value is string {
  return typeof value === 'string' && MEDIA_TYPE.test(value);
}

/** `application/json; charset=utf-8` → `application/json`. */
export function baseMediaType(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const base = header.split(';', 1)[0]!.trim().toLowerCase();
  return base || undefined;
}
