// Completing an upload: its last chunk written, its bytes verified against the digest the client
// names, then the verified blob placed in the blob store (in the upload's form, one copy kept)
// and linked into the repository. A crash after verification leaves a session that knows its
// bytes were verified, and the next completion resumes from there.
import type { Digest } from '../domain/digest.js';
import { RegistryError } from '../domain/errors.js';
import { IntegrityError } from '../domain/integrity.js';
import { KmsError } from '../domain/kms-errors.js';
import type { Repository } from '../domain/records/repositories.js';
import type { Upload } from '../domain/records/uploads.js';
import type { MetadataStore } from '../metadata/store.js';
import type { BlobStore } from '../storage/blob-store.js';
import type { Verification } from '../storage/blob-writer.js';
import type { BlobForms, UploadSealing } from './blob-forms.js';
import type { DataKeys } from './data-keys.js';
import type { UploadSessions } from './upload-sessions.js';
import type { Chunk } from './upload-streams.js';

export class UploadCompletion {
  constructor(
    private readonly store: Pick<MetadataStore, 'uploads' | 'blobs'>,
    private readonly blobs: BlobStore,
    private readonly keys: DataKeys,
    private readonly forms: BlobForms,
    private readonly sessions: UploadSessions,
  ) {}

  /** Writes the last chunk and verifies the upload, then links the blob; the caller holds the upload's lease. */
  async finish(repository: Repository, upload: Upload, digest: Digest, chunk: Chunk | undefined): Promise<void> {
    const id = upload.id;
    const sealing = await this.forms.sealingOf(upload);
    if (upload.verifiedDigest)
      return this.resumeVerified(repository, id, upload.verifiedDigest, digest, chunk, sealing);
    const writer = await this.sessions.openWriter(id, sealing?.key);
    let verification: Verification;
    try {
      await this.sessions.writeChunk(writer, chunk);
      verification = await writer.commit(digest);
    } finally {
      await writer.close();
    }
    if (!verification.verified) {
      const actual = verification.actual;
      await this.sessions.discard(id);
      throw new RegistryError('DIGEST_INVALID', `uploaded content has digest ${actual}, not ${digest.value}`, {
        expected: digest.value,
        actual,
      });
    }
    // From here a crash leaves a session that knows its bytes were verified (resumeVerified).
    await this.store.uploads.markVerified(id, digest.value);
    // Placed before linked: a link never names bytes that are not stored, whatever the moment a
    // crash comes (a kill -9 between a link and its bytes made a blob that HEAD reports and GET
    // cannot serve). Freshly placed bytes with no link yet are younger than GC's grace period.
    await this.place(repository, id, digest, sealing);
    await this.store.blobs.link(repository.id, digest.value, verification.size);
    await this.store.uploads.delete(id);
    this.keys.forgetUpload(id);
  }

  /** Completes an upload whose bytes this registry verified before a crash interrupted it. */
  private async resumeVerified(
    repository: Repository,
    id: string,
    verified: string,
    digest: Digest,
    chunk: Chunk | undefined,
    sealing: UploadSealing,
  ): Promise<void> {
    if (verified !== digest.value || chunk) {
      throw new RegistryError('DIGEST_INVALID', `upload ${id} was already verified as ${verified}`, {
        expected: digest.value,
        actual: verified,
      });
    }
    // Interrupted before the move, the verified bytes (in the upload's form) are still the upload's.
    if (!(await this.blobs.has(digest, sealing ? 'sealed' : 'store-encrypted')))
      await this.place(repository, id, digest, sealing);
    else await this.blobs.deleteUpload(id);
    const size = await this.blobs.size(digest);
    if (size === undefined) throw new Error(`verified upload ${id} has no bytes`);
    await this.store.blobs.link(repository.id, digest.value, size);
    await this.store.uploads.delete(id);
    this.keys.forgetUpload(id);
  }

  /**
   * Makes the verified upload the stored blob in the upload's form. A sealed upload has the wrap
   * of its data key for the repository recorded first; when the sealed form is stored already (an
   * earlier or concurrent push), one copy is kept: the stored one, if the repository can have a
   * wrap of its key, else ours.
   */
  private async place(repository: Repository, id: string, digest: Digest, sealing: UploadSealing): Promise<void> {
    if (!sealing) {
      // Store-encrypted: no key to wrap; plain bytes are the same for every repository.
      if (await this.blobs.has(digest, 'store-encrypted')) await this.blobs.deleteUpload(id);
      else await this.blobs.promoteUpload(id, digest, true);
      return;
    }
    const { key, raw } = sealing;
    // A stored copy the repository cannot read (no usable wrap of its key, or bytes that are not
    // a sealed blob, such as one stored before encryption at rest) is replaced by this one.
    try {
      const stored = await this.blobs.dataKeyId(digest);
      if (stored !== undefined) {
        await this.keys.forBlob(repository, digest.value, stored);
        await this.blobs.deleteUpload(id);
        return;
      }
    } catch (err) {
      if (!(err instanceof KmsError) && !(err instanceof IntegrityError)) throw err;
    }
    await this.keys.record(repository, digest.value, key.id, raw);
    await this.blobs.promoteUpload(id, digest);
  }
}
