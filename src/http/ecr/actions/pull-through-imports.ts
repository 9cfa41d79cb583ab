// BatchGetImage through the pull-through cache: an image a rule maps to an upstream and not here
// yet is fetched and stored before the batch reads it, as ECR's cache does for API pulls; what
// the upstream would not give is a failure with ECR's upstream codes (UpstreamAccessDenied,
// UpstreamTooManyRequests, UpstreamUnavailable), or ImageNotFound naming its answer.
import { RegistryError } from '../../../domain/errors.js';
import type { RequestContext } from '../../../domain/request-context.js';
import type { RegistryServices } from '../../../registry/services.js';

export interface ImageId {
  imageDigest?: string | undefined;
  imageTag?: string | undefined;
}

export interface ImageFailure {
  imageId: ImageId;
  failureCode: string;
  failureReason: string;
}

const key = (id: ImageId) => `${id.imageDigest ?? ''}|${id.imageTag ?? ''}`;

function upstreamCode(status: unknown): string {
  if (status === 404) return 'ImageNotFound';
  if (status === 401 || status === 403) return 'UpstreamAccessDenied';
  if (status === 429) return 'UpstreamTooManyRequests';
  return 'UpstreamUnavailable';
}

/** Imports the images of `ids` not here; the failures the upstream caused, by image id. */
export async function importImages(
  services: RegistryServices,
  ctx: RequestContext,
  name: string,
  ids: ImageId[],
): Promise<Map<string, Omit<ImageFailure, 'imageId'>>> {
  const failures = new Map<string, Omit<ImageFailure, 'imageId'>>();
  const cache = services.pullThrough;
  if (!cache) return failures;
  for (const id of ids) {
    const reference = id.imageDigest ?? id.imageTag;
    if (!reference) continue;
    try {
      await cache.importImage(ctx, name, reference);
    } catch (err) {
      if (!(err instanceof RegistryError)) throw err;
      const upstream = (err.detail as { upstream?: unknown } | undefined)?.upstream;
      if (upstream !== undefined) {
        failures.set(key(id), { failureCode: upstreamCode(upstream), failureReason: err.message });
        continue;
      }
      // Refusals of the caller stand; a malformed reference is the batch's own failure to report.
      if (err.code === 'DENIED' || err.code === 'UNAUTHORIZED') throw err;
    }
  }
  return failures;
}

/** The batch's failures, with the upstream's reason where the upstream caused them. */
export function withUpstreamFailures<F extends ImageFailure>(
  failures: F[],
  upstream: Map<string, Omit<ImageFailure, 'imageId'>>,
): F[] {
  return failures.map((f) => {
    const cause = upstream.get(key(f.imageId));
    return cause ? { ...f, ...cause } : f;
  });
}
