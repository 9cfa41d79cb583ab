// Download URLs for layers (GetDownloadUrlForLayer): a short-lived token, HMAC-signed with a key
// every node shares, that names a blob of a repository. Whoever holds it may read that blob until
// it expires, as with a pre-signed S3 URL: the authorization call was made when it was issued.
import { Actions } from '../domain/actions.js';
import { parseDigest } from '../domain/digest.js';
import { RegistryError } from '../domain/errors.js';
import { ExpiringTokenCodec } from '../keys/signed-token.js';
import type { MetadataStore } from '../metadata/store.js';
import type { RepositoryAccess } from './access.js';
import type { BlobContent, BlobService, ByteRange } from './blobs.js';
import type { RequestContext } from '../domain/request-context.js';

export const LAYER_URL_TTL_MS = 3600 * 1000;
const MAX_TOKEN = 1024;

export type LayerUrlResult =
  | { kind: 'issued'; token: string; digest: string; expiresAt: number }
  /** A pre-signed URL of the object store's copy (redirect deployments), as ECR hands out. */
  | { kind: 'presigned'; url: string; digest: string; expiresAt: number }
  /** The layer is in the repository but no image references it (ECR's LayerInaccessibleException). */
  | { kind: 'unreferenced'; digest: string }
  /** Only archived images (or ones still being restored) use the layer: not pullable (LayerInaccessibleException). */
  | { kind: 'archived'; digest: string };

/** Why a token was refused. */
export class LayerUrlError extends Error {
  constructor(
    readonly reason: 'invalid' | 'expired',
    message: string,
  ) {
    super(message);
    this.name = 'LayerUrlError';
  }
}

interface Grant {
  repositoryId: string;
  digest: string;
  exp: number;
}

export class LayerUrlService {
  private readonly codec: ExpiringTokenCodec<'e'>;

  constructor(
    private readonly store: Pick<MetadataStore, 'blobs' | 'images' | 'archive'>,
    private readonly blobs: BlobService,
    private readonly access: RepositoryAccess,
    signingKey: Buffer,
    private readonly ttlMs = LAYER_URL_TTL_MS,
  ) {
    // Signed in its own domain: the key is not shared with other tokens, but a layer URL must never read as one.
    this.codec = new ExpiringTokenCodec(signingKey, 'e', 'layer-url:', MAX_TOKEN);
  }

  /** A token for a layer of the repository, which a manifest of the repository must reference. */
  async issue(ctx: RequestContext, name: string, digestValue: string, now = Date.now()): Promise<LayerUrlResult> {
    const repository = await this.access.existing(ctx, name, Actions.GetDownloadUrlForLayer);
    const digest = parseDigest(digestValue).value;
    if ((await this.store.blobs.linkedSize(repository.id, digest)) === undefined) {
      throw new RegistryError('BLOB_UNKNOWN', `layer ${digest} not found in ${name}`, { digest });
    }
    if (!(await this.store.images.referencesBlob(repository.id, digest))) return { kind: 'unreferenced', digest };
    if (await this.store.archive.unpullable(repository.id, digest)) return { kind: 'archived', digest };
    const presigned = await this.blobs.storeUrl(repository, digest);
    if (presigned) return { kind: 'presigned', url: presigned.url, digest, expiresAt: presigned.expiresAt };
    const exp = now + this.ttlMs;
    return {
      kind: 'issued',
      token: this.codec.sign({ r: repository.id, d: digest, e: exp }),
      digest,
      expiresAt: exp,
    };
  }

  /** Opens the layer a valid, unexpired token names, whole or a range of it. */
  async open(
    token: string,
    resolveRange?: (size: number) => ByteRange | undefined,
    now = Date.now(),
  ): Promise<BlobContent> {
    const grant = this.verify(token, now);
    return this.blobs.openLinked(grant.repositoryId, grant.digest, resolveRange);
  }

  private verify(token: string, now: number): Grant {
    const { claims: body, refused } = this.codec.open(token, now);
    if (refused === 'expired')
      throw new LayerUrlError('expired', 'the layer URL has expired: ask GetDownloadUrlForLayer for a new one');
    if (!body) throw new LayerUrlError('invalid', 'the layer URL is malformed or its signature does not match');
    if (typeof body.r !== 'string' || typeof body.d !== 'string')
      throw new LayerUrlError('invalid', 'malformed layer URL');
    return { repositoryId: body.r, digest: body.d, exp: body.e };
  }
}
