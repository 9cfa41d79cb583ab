// Blob uploads as the distribution API makes them: monolithic, chunked and streamed, resumable
// after a restart or on another node, and cross-repository mounts (mounts.ts). This keeps who may
// write; the session rows and bytes are upload-sessions.ts's, verifying and linking the blob
// upload-completion.ts's. ECR's layer parts are layer-parts.ts, expiry upload-expiry.ts.
import { Actions } from '../domain/actions.js';
import { parseDigest } from '../domain/digest.js';
import { RegistryError } from '../domain/errors.js';
import type { RequestContext } from '../domain/request-context.js';
import type { MetadataStore } from '../metadata/store.js';
import type { BlobStore } from '../storage/blob-store.js';
import type { RepositoryAccess } from './access.js';
import type { BlobForms } from './blob-forms.js';
import type { BlobMounts } from './mounts.js';
import type { UploadCompletion } from './upload-completion.js';
import type { UploadSessions } from './upload-sessions.js';
import type { Chunk } from './upload-streams.js';

export interface UploadStatus {
  name: string;
  id: string;
  /** Bytes received so far. */
  size: number;
}

export type StartResult =
  | { kind: 'mounted' | 'completed'; name: string; digest: string }
  | { kind: 'started'; upload: UploadStatus };

export class UploadService {
  constructor(
    private readonly store: Pick<MetadataStore, 'uploads'>,
    private readonly blobs: BlobStore,
    private readonly access: RepositoryAccess,
    private readonly forms: BlobForms,
    private readonly sessions: UploadSessions,
    private readonly completion: UploadCompletion,
    private readonly mounts: BlobMounts,
  ) {}

  /** POST: mount, monolithic upload (with `digest`), or a new upload session. */
  async start(
    ctx: RequestContext,
    name: string,
    request: { digest?: string; mount?: string; from?: string; chunk?: Chunk },
  ): Promise<StartResult> {
    // Digests are checked before forPush may create the repository: a refused POST leaves none behind.
    await this.access.authorize(ctx, name, Actions.InitiateLayerUpload);
    const mount = request.mount === undefined ? undefined : parseDigest(request.mount);
    const digest = request.digest === undefined ? undefined : parseDigest(request.digest);
    const repository = await this.access.forPush(ctx, name, Actions.InitiateLayerUpload);
    if (mount && (await this.mounts.mount(ctx, repository, mount, request.from)))
      return { kind: 'mounted', name, digest: mount.value };
    const upload = await this.sessions.create(repository);
    if (!digest) return { kind: 'started', upload: { name, id: upload, size: 0 } };
    try {
      await this.sessions.writing(repository, upload, (session) =>
        this.completion.finish(repository, session, digest, request.chunk),
      );
    } catch (err) {
      // The client never learnt this session's id, so nothing can resume it: its bytes go now.
      await this.sessions.locks
        .run(upload, () => this.sessions.discard(upload))
        .catch(() => {
          /* gone already, or expiry finds it */
        });
      throw err;
    }
    return { kind: 'completed', name, digest: digest.value };
  }

  /** PATCH: appends a chunk (at `range.start` when given) and reports the new progress. */
  async append(ctx: RequestContext, name: string, id: string, chunk: Chunk | undefined): Promise<UploadStatus> {
    // An upload lives in a repository that exists already: `existing`, never `forPush`, so a
    // request for an unknown upload cannot create a repository.
    const repository = await this.access.existing(ctx, name, Actions.UploadLayerPart);
    const size = await this.sessions.writing(repository, id, async (upload) => {
      // The running hash waits in the writers for the next chunk (on this node; others rebuild it).
      const writer = await this.sessions.openWriter(id, (await this.forms.sealingOf(upload))?.key);
      try {
        await this.sessions.writeChunk(writer, chunk);
        // Touched before the lock is let go: expiry, waiting for it, sees the upload is alive.
        await this.store.uploads.touch(id, Date.now());
        return writer.size;
      } finally {
        await writer.close();
      }
    });
    return { name, id, size };
  }

  /** GET: progress of an upload. */
  async status(ctx: RequestContext, name: string, id: string): Promise<UploadStatus> {
    const repository = await this.access.existing(ctx, name, Actions.UploadLayerPart);
    const upload = await this.sessions.session(repository, id);
    // Verified bytes already moved into the blob store (completion interrupted): report them all.
    const verified = upload.verifiedDigest ? await this.blobs.size(parseDigest(upload.verifiedDigest)) : undefined;
    return { name, id, size: verified ?? (await this.blobs.uploadSize(id, !upload.dataKey)) };
  }

  /** PUT: the last (possibly empty) chunk, then verification against `digest`. */
  async complete(
    ctx: RequestContext,
    name: string,
    id: string,
    digestValue: string | undefined,
    chunk?: Chunk,
  ): Promise<string> {
    const repository = await this.access.existing(ctx, name, Actions.CompleteLayerUpload);
    return this.sessions.writing(repository, id, async (upload) => {
      if (!digestValue)
        throw new RegistryError('DIGEST_INVALID', 'the digest query parameter is required to complete an upload');
      const digest = parseDigest(digestValue);
      await this.completion.finish(repository, upload, digest, chunk);
      return digest.value;
    });
  }

  /** DELETE: abandons an upload and its bytes. */
  async cancel(ctx: RequestContext, name: string, id: string): Promise<void> {
    const repository = await this.access.existing(ctx, name, Actions.UploadLayerPart);
    await this.sessions.session(repository, id);
    await this.sessions.locks.run(id, () => this.sessions.discard(id));
  }
}
