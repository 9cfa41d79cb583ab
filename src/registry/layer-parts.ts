// ECR's layer uploads (UploadLayerPart, CompleteLayerUpload): the registry's uploads with ECR's
// rules on top, parts at least MIN_LAYER_PART but the last, no empty upload, no layer the
// repository has already.
import { Actions } from '../domain/actions.js';
import { parseDigest } from '../domain/digest.js';
import type { RequestContext } from '../domain/request-context.js';
import type { MetadataStore } from '../metadata/store.js';
import type { BlobStore } from '../storage/blob-store.js';
import type { RepositoryAccess } from './access.js';
import type { UploadCompletion } from './upload-completion.js';
import type { UploadSessions } from './upload-sessions.js';
import type { Chunk, ChunkRange } from './upload-streams.js';
import type { UploadService, UploadStatus } from './uploads.js';

/** How CompleteLayerUpload ended: ECR refuses an empty upload, a part but the last under MIN_LAYER_PART, and a layer the repository has. */
export type LayerCompletion =
  | { kind: 'completed'; digest: string }
  | { kind: 'empty' }
  | { kind: 'exists'; digest: string }
  | { kind: 'part-too-small'; size: number };

/** ECR's smallest layer part, but for the last (LayerPartTooSmallException). */
export const MIN_LAYER_PART = 5 * 1024 * 1024;

export class LayerPartService {
  constructor(
    private readonly store: Pick<MetadataStore, 'uploads' | 'blobs'>,
    private readonly blobs: BlobStore,
    private readonly access: RepositoryAccess,
    private readonly uploads: UploadService,
    private readonly sessions: UploadSessions,
    private readonly completion: UploadCompletion,
  ) {}

  /** UploadLayerPart: `append`, then the part's start recorded for CompleteLayerUpload's part size rule. */
  async appendLayerPart(
    ctx: RequestContext,
    name: string,
    id: string,
    chunk: Chunk & { range: ChunkRange },
  ): Promise<UploadStatus> {
    const status = await this.uploads.append(ctx, name, id, chunk);
    await this.store.uploads.recordPart(id, chunk.range.start, MIN_LAYER_PART);
    return status;
  }

  /**
   * CompleteLayerUpload: `complete` without a last chunk, except that an empty upload is refused
   * and a layer the repository has already is refused with the upload abandoned (ECR's rules).
   */
  async completeLayer(ctx: RequestContext, name: string, id: string, digestValue: string): Promise<LayerCompletion> {
    const repository = await this.access.existing(ctx, name, Actions.CompleteLayerUpload);
    return this.sessions.writing(repository, id, async (upload): Promise<LayerCompletion> => {
      const digest = parseDigest(digestValue);
      if ((await this.store.blobs.linkedSize(repository.id, digest.value)) !== undefined) {
        await this.sessions.discard(id);
        return { kind: 'exists', digest: digest.value };
      }
      if (!upload.verifiedDigest && (await this.blobs.uploadSize(id, !upload.dataKey)) === 0) return { kind: 'empty' };
      const shortPart = await this.store.uploads.shortPart(id);
      if (shortPart !== undefined) return { kind: 'part-too-small', size: shortPart };
      await this.completion.finish(repository, upload, digest, undefined);
      return { kind: 'completed', digest: digest.value };
    });
  }
}
