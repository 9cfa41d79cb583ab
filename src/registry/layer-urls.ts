// Download URLs for layers (GetDownloadUrlForLayer): a short-lived token, HMAC-signed with a key
// every node shares, that names a blob of a repository. Whoever holds it may read that blob until
// it expires, as with a pre-signed S3 URL: the authorization call was made when it was issued.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { Actions } from '../domain/actions.js';
import { parseDigest } from '../domain/digest.js';
import { RegistryError } from '../domain/errors.js';
import type { MetadataStore } from '../metadata/store.js';
import type { RepositoryAccess } from './access.js';
import type { BlobContent, BlobService, ByteRange } from './blobs.js';
import type { RequestContext } from './context.js';

export const LAYER_URL_TTL_MS = 3600 * 1000;
const MAX_TOKEN = 1024;

export type LayerUrlResult =
  | { kind: 'issued'; token: string; digest: string; expiresAt: number }
  /** A pre-signed URL of the object store's copy (redirect deployments), as ECR hands out. */
  | { kind: 'presigned'; url: string; digest: string; expiresAt: number }
  /** The layer is in the repository but no image references it (ECR's LayerInaccessibleException). */
  | { kind: 'unreferenced'; digest: string };

/** Why a token was refused. */
export class LayerUrlError extends Error {
  constructor(readonly reason: 'invalid' | 'expired', message: string) {
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
  constructor(
    private readonly store: MetadataStore,
    private readonly blobs: BlobService,
    private readonly access: RepositoryAccess,
    private readonly signingKey: Buffer,
    private readonly ttlMs = LAYER_URL_TTL_MS,
  ) {}

  /** A token for a layer of the repository, which a manifest of the repository must reference. */
  async issue(ctx: RequestContext, name: string, digestValue: string, now = Date.now()): Promise<LayerUrlResult> {
    const repository = await this.access.existing(ctx, name, Actions.GetDownloadUrlForLayer);
    const digest = parseDigest(digestValue).value;
    if ((await this.store.blobs.linkedSize(repository.id, digest)) === undefined) {
      throw new RegistryError('BLOB_UNKNOWN', `layer ${digest} not found in ${name}`, { digest });
    }
    if (!(await this.store.images.referencesBlob(repository.id, digest))) return { kind: 'unreferenced', digest };
    const presigned = await this.blobs.storeUrl(repository, digest);
    if (presigned) return { kind: 'presigned', url: presigned.url, digest, expiresAt: presigned.expiresAt };
    const exp = now + this.ttlMs;
    const payload = Buffer.from(JSON.stringify({ v: 1, r: repository.id, d: digest, e: exp })).toString('base64url');
    return { kind: 'issued', token: `${payload}.${this.sign(payload)}`, digest, expiresAt: exp };
  }

  /** Opens the layer a valid, unexpired token names, whole or a range of it. */
  async open(token: string, resolveRange?: (size: number) => ByteRange | undefined, now = Date.now()): Promise<BlobContent> {
    const grant = this.verify(token, now);
    return this.blobs.openLinked(grant.repositoryId, grant.digest, resolveRange);
  }

  private verify(token: string, now: number): Grant {
    const dot = token.indexOf('.');
    if (dot <= 0 || token.length > MAX_TOKEN) throw new LayerUrlError('invalid', 'malformed layer URL');
    const payload = token.slice(0, dot);
    const given = Buffer.from(token.slice(dot + 1), 'base64url');
    const expected = Buffer.from(this.sign(payload), 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new LayerUrlError('invalid', 'the layer URL signature does not match');
    let body: { v?: unknown; r?: unknown; d?: unknown; e?: unknown };
    try {
      body = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as typeof body;
    } catch {
      throw new LayerUrlError('invalid', 'malformed layer URL');
    }
    if (body.v !== 1 || typeof body.r !== 'string' || typeof body.d !== 'string' || typeof body.e !== 'number') throw new LayerUrlError('invalid', 'malformed layer URL');
    if (body.e <= now) throw new LayerUrlError('expired', 'the layer URL has expired: ask GetDownloadUrlForLayer for a new one');
    return { repositoryId: body.r, digest: body.d, exp: body.e };
  }

  private sign(payload: string): string {
    return createHmac('sha256', this.signingKey).update(`layer-url:${payload}`).digest('base64url');
  }
}
