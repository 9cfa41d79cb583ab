// ECR's imageId as an operation on one image names it (DescribeImageReplicationStatus,
// DescribeImageSigningStatus, StartImageScan, DescribeImageScanFindings): a digest, a tag, or
// both, which must then name the same image. One resolution for every service that takes one;
// the store is passed in (a service's MetadataStore fits).
import { RegistryError } from './errors.js';
import { ManagementError } from './management-errors.js';
import type { ManifestRecord } from './records/manifests.js';

export interface ImageIdentifier {
  imageDigest?: string;
  imageTag?: string;
}

/** What resolving an imageId reads: a tag's manifest, a manifest by digest. */
export interface ImageIdLookup {
  tags: { resolve(repositoryId: string, tag: string): Promise<ManifestRecord | undefined> };
  manifests: { get(repositoryId: string, digest: string): Promise<ManifestRecord | undefined> };
}

/**
 * The manifest `imageId` names in the repository: by its tag when it has one (the digest, if also
 * given, must be the tag's), else by its digest. INVALID_PARAMETER with neither, MANIFEST_UNKNOWN
 * (ECR's ImageNotFoundException) when there is no such image.
 */
export async function resolveImageId(
  store: ImageIdLookup,
  repository: { id: string; name: string },
  registryId: string,
  imageId: ImageIdentifier,
): Promise<ManifestRecord> {
  const { imageDigest, imageTag } = imageId;
  if (imageDigest === undefined && imageTag === undefined)
    throw new ManagementError('INVALID_PARAMETER', 'Invalid request parameters: both tag and digest cannot be null');
  const image =
    imageTag !== undefined
      ? await store.tags.resolve(repository.id, imageTag)
      : await store.manifests.get(repository.id, imageDigest as string);
  if (!image || (imageDigest !== undefined && image.digest !== imageDigest))
    throw new RegistryError(
      'MANIFEST_UNKNOWN',
      `The image with imageId {imageDigest:'${imageDigest ?? 'null'}', imageTag:'${imageTag ?? 'null'}'} does not exist within the repository with name '${repository.name}' in the registry with id '${registryId}'`,
    );
  return image;
}
