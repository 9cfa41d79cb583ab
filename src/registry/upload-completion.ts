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
    private readonly store: Pick<MetadataStore, 'uploads' | 'blobs' | 'locks'>,
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
    await this.placeAndLink(repository, id, digest, sealing, () => verification.size);
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
    // Interrupted before the move, the verified bytes (in the upload's form) are still the upload's;
    // after it, they are the stored blob's.
    await this.placeAndLink(repository, id, digest, sealing, async () => {
      const size = await this.blobs.size(digest);
      if (size === undefined) throw new Error(`verified upload ${id} has no bytes`);
      return size;
    });
  }

  /**
   * Places the verified bytes, links the blob, then makes sure of the bytes under the link. The
   * order is what keeps a link from naming bytes that are not stored:
   * - placed before linked, so a crash between the two leaves bytes with no link (younger than
   *   the grace period, and swept by `gc --audit`), never a link with no bytes;
   * - our bytes kept until the link is made when a stored copy was found, because a garbage
   *   collection may be deleting that copy (an unreferenced blob) with its key wraps: the link
   *   waits for such a deletion to end, and from then on no collection takes the blob. Placed
   *   again under the link, a copy gone by then is replaced by ours, and a wrap gone is recorded
   *   again.
   */
  private async placeAndLink(
    repository: Repository,
    id: string,
    digest: Digest,
    sealing: UploadSealing,
    size: () => Promise<number> | number,
  ): Promise<void> {
    // One completion of a digest at a time, on every node sharing the database: two first uploads
    // of the same bytes (into two repositories) would otherwise both find no stored copy, and the
    // later move would replace the earlier's bytes, sealed under a key the earlier repository has
    // no wrap of.
    await this.store.locks.exclusive(`placing ${digest.value}`, () =>
      this.placeAndLinkAlone(repository, id, digest, sealing, size),
    );
  }

  private async placeAndLinkAlone(
    repository: Repository,
    id: string,
    digest: Digest,
    sealing: UploadSealing,
    size: () => Promise<number> | number,
  ): Promise<void> {
    await this.place(repository, id, digest, sealing, { keepUpload: true });
    await this.store.blobs.link(repository.id, digest.value, await size());
    try {
      // Under the link now: whatever a collection took meanwhile (a stored copy, a key wrap) is
      // put back, from our bytes and our key.
      await this.place(repository, id, digest, sealing, { keepUpload: false });
    } catch (err) {
      if (await this.blobs.has(digest, sealing ? 'sealed' : 'store-encrypted')) throw err;
      // Our bytes were moved into place while a collection deleted the copy they replaced, and
      // went with it: the link goes, and the client uploads again.
      await this.store.blobs.unlink(repository.id, digest.value);
      throw new RegistryError(
        'BLOB_UPLOAD_INVALID',
        `blob ${digest.value} was collected while it was stored: upload it again`,
      );
    }
    await this.store.uploads.delete(id);
    this.keys.forgetUpload(id);
  }

  /**
   * Makes the verified upload the stored blob in the upload's form. A sealed upload has the wrap
   * of its data key for the repository recorded first; when the sealed form is stored already (an
   * earlier or concurrent push), one copy is kept: the stored one, if the repository can have a
   * wrap of its key, else ours. With `keepUpload`, a stored copy kept leaves our bytes too.
   */
  private async place(
    repository: Repository,
    id: string,
    digest: Digest,
    sealing: UploadSealing,
    options: { keepUpload: boolean },
  ): Promise<void> {
    const kept = async (): Promise<void> => {
      if (!options.keepUpload) await this.blobs.deleteUpload(id);
    };
    if (!sealing) {
      // Store-encrypted: no key to wrap; plain bytes are the same for every repository.
      if (await this.blobs.has(digest, 'store-encrypted')) return kept();
      await this.blobs.promoteUpload(id, digest, true);
      return;
    }
    const { key, raw } = sealing;
    // A stored copy the repository cannot read (no usable wrap of its key, or bytes that are not
    // a sealed blob, such as one stored before encryption at rest) is replaced by this one.
    try {
      const stored = await this.blobs.dataKeyId(digest);
      if (stored === key.id) {
        // Our own bytes (placed before): our wrap, recorded again (a no-op unless it was taken).
        await this.keys.record(repository, digest.value, key.id, raw);
        return kept();
      }
      if (stored !== undefined) {
        await this.keys.forBlob(repository, digest.value, stored);
        return kept();
      }
    } catch (err) {
      if (!(err instanceof KmsError) && !(err instanceof IntegrityError)) throw err;
    }
    await this.keys.record(repository, digest.value, key.id, raw);
    await this.blobs.promoteUpload(id, digest);
  }
}
