// Manifests of a repository: validated and stored byte-exact, addressed by digest and by tag
// (served by tag in the format the client accepts: manifest-formats.ts); a tag the repository's
// mutability setting makes immutable is never moved.
import { Actions } from '../domain/actions.js';
import { parseDigest } from '../domain/digest.js';
import { RegistryError } from '../domain/errors.js';
import { parseReference, type Reference } from '../domain/names.js';
import { ImmutableTagError, isTagImmutable } from '../domain/tag-mutability.js';
import type { ManifestRecord } from '../domain/records/manifests.js';
import type { ImageSigningRecord } from '../domain/records/signing.js';
import type { MetadataStore } from '../metadata/store.js';
import type { Repository } from '../domain/records/repositories.js';
import type { ReplicationTaskInput } from '../domain/records/replication.js';
import type { RepositoryAccess } from './access.js';
import type { RequestContext } from '../domain/request-context.js';
import type { ManifestFormats, Served } from './manifest-formats.js';
import { type ImageRemoval, removalActor } from './image-removal.js';
import { PULL_RECORD_INTERVAL_MS, type PullPrincipals, PullRecorder } from './pulls.js';
import { identityArn } from './pull-exclusions.js';
import { acceptOf, ManifestLookups } from './manifest-lookups.js';
import { BlobSightings } from './blob-sightings.js';
import { ManifestPushChecks } from './manifest-push-checks.js';
import { parsePushed } from './manifest-push-parse.js';
import type { PushListener } from '../domain/push-listener.js';
import type { EventDeliveryInput } from '../domain/records/events.js';
import { ANONYMOUS_CALLER, type TransferMeter } from '../domain/transfer-meter.js';

/**
 * An archived image (or one still being restored) is listed but not pulled: 404 MANIFEST_UNKNOWN
 * saying why and how to restore it. Not 403 DENIED: clients read DENIED as a credentials problem
 * (docker suggests logging in), while this is the manifest being unavailable, as ECR answers.
 */
function refuseArchived(record: ManifestRecord, reference: string, repository: Repository): void {
  if (record.imageStatus === undefined || record.imageStatus === 'ACTIVE') return;
  const how =
    record.imageStatus === 'ARCHIVED'
      ? `restore it with: aws ecr update-image-storage-class --repository-name ${repository.name} --image-id imageDigest=${record.digest} --target-storage-class STANDARD`
      : 'it is being restored (ACTIVATING) and can be pulled once it is ACTIVE';
  throw new RegistryError(
    'MANIFEST_UNKNOWN',
    `manifest ${reference} in ${repository.name} is archived (image status ${record.imageStatus}): ${how}`,
    { reference, imageStatus: record.imageStatus },
  );
}

export { MISSING_MANIFEST } from './manifest-push-checks.js';

export interface ManifestOptions {
  maxManifestBytes: number;
  /** Manifest records by tag and digest kept for pulls (manifest-lookups.ts); none by default. */
  lookupCacheEntries?: number;
  /** Told of each manifest stored, with the blobs it references (storage classes bring archived ones back). */
  stored?: (repositoryId: string, digest: string, blobs: string[]) => Promise<void>;
  /**
   * The replications a push of the manifest makes (replication's outbox rows): stored in the
   * manifest's own transaction; for a push of what is there already (nothing to store), added
   * on their own right after.
   */
  replications?: (
    ctx: RequestContext,
    repository: Repository,
    digest: string,
    tags: string[],
  ) => Promise<{ tasks: ReplicationTaskInput[]; enqueue(tasks: ReplicationTaskInput[]): Promise<void> }>;
  /** The events a stored push sends (the events outbox's rows), written in the manifest's own transaction. */
  events?: (repository: Repository, record: ManifestRecord, tags: string[]) => Promise<EventDeliveryInput[]>;
  /**
   * The signing statuses a stored push starts (managed signing's outbox, image-signer.ts), written
   * in the manifest's own transaction so that a node stopping right after loses no signing.
   */
  signings?: (repository: Repository, record: ManifestRecord) => Promise<ImageSigningRecord[]>;
  /** Pull time exclusions and runtime principals (lifecycle); without them every pull is recorded alike. */
  pullPrincipals?: PullPrincipals;
  /** Told of each push that stored something, after its transaction (domain/push-listener.ts). */
  pushListeners?: PushListener[];
  /** Where a listener's failure is reported (it never fails the push). */
  onListenerError?: (listener: string, err: unknown) => void;
  /** Counts the bytes of each manifest GET (metering); none when metering is off. */
  meter?: TransferMeter;
  /** Refuses (DENIED) a pull of a stored manifest the repository does not allow (signature-gate.ts). */
  pullGate?: { check(repository: Repository, digest: string): Promise<void> };
}

export interface StoredManifest {
  digest: string;
  mediaType: string;
  size: number;
}

/** The request's Accept header(s): by tag, the manifest is served in a format it allows. */
export type AcceptHeader = string | string[] | undefined;

export interface PutResult {
  digest: string;
  mediaType: string;
  subject?: string;
  tags: string[];
  /** The repository had this manifest with these tags already: nothing was written. */
  unchanged: boolean;
}

export class ManifestService {
  private readonly pulls: PullRecorder;
  /** Records by tag and digest, kept while nothing changes them (manifest-lookups.ts). */
  private readonly lookups: ManifestLookups;
  /** What a push passes before it is stored (its blobs are kept through GC's grace period: blob-sightings.ts). */
  private readonly checks: ManifestPushChecks;

  constructor(
    private readonly store: Pick<MetadataStore, 'blobs' | 'images' | 'manifests' | 'tags' | 'gc' | 'changes'>,
    private readonly access: RepositoryAccess,
    private readonly formats: ManifestFormats,
    private readonly removal: ImageRemoval,
    readonly options: ManifestOptions,
  ) {
    this.lookups = new ManifestLookups(store.changes, options.lookupCacheEntries ?? 0);
    this.pulls = new PullRecorder(store.images, PULL_RECORD_INTERVAL_MS, options.pullPrincipals);
    this.checks = new ManifestPushChecks(store, formats, new BlobSightings(store.gc));
  }

  /** The manifest's record (HEAD): no bytes read. */
  async stat(ctx: RequestContext, name: string, reference: string, accept?: AcceptHeader): Promise<StoredManifest> {
    const repository = await this.access.existing(ctx, name, Actions.BatchGetImage);
    return describe(await this.find(repository, reference, accept));
  }

  async get(
    ctx: RequestContext,
    name: string,
    reference: string,
    accept?: AcceptHeader,
  ): Promise<StoredManifest & { bytes: Buffer }> {
    const repository = await this.access.existing(ctx, name, Actions.BatchGetImage);
    const served = await this.find(repository, reference, accept);
    await this.options.pullGate?.check(repository, served.source);
    const bytes = await this.formats.read(repository, served);
    this.meterServed(ctx, repository, bytes.length);
    await this.recordPull(repository, served.source, ctx);
    return { digest: served.digest, mediaType: served.mediaType, size: served.size, bytes };
  }

  /** Counts manifest bytes served to the caller as transfer out (a GET here; BatchGetImage's images). */
  meterServed(ctx: RequestContext, repository: Repository, bytes: number): void {
    const meter = this.options.meter;
    if (!meter) return;
    meter.served(repository, identityArn(ctx.principal) ?? ANONYMOUS_CALLER, bytes, ctx.facts?.sourceVpce);
  }

  /** Why a pull of the stored manifest is refused (a signature requirement), or undefined when it is not. */
  async pullRefusal(repository: Repository, digest: string): Promise<string | undefined> {
    try {
      await this.options.pullGate?.check(repository, digest);
      return undefined;
    } catch (err) {
      if (err instanceof RegistryError && err.code === 'DENIED') return err.message;
      throw err;
    }
  }

  /** Notes that a manifest was pulled (written at most once per image per node every few minutes). */
  recordPull(repository: Repository, digest: string, ctx?: RequestContext): Promise<void> {
    const principalArn = ctx && identityArn(ctx.principal);
    return this.pulls.record(repository.id, digest, Date.now(), {
      accountId: repository.accountId,
      ...(principalArn !== undefined && { principalArn }),
    });
  }

  /**
   * Validates and stores a manifest under a tag or its digest, plus any extra `tags`.
   * `extraEvents` gives the rows of events of the caller's own (the pull-through cache's) that
   * the push's transaction writes beside its PUSH events, asked for only when it stores something.
   */
  async put(
    ctx: RequestContext,
    name: string,
    reference: string,
    bytes: Buffer,
    contentType: string | undefined,
    extraTags: string[] = [],
    extraEvents?: () => Promise<EventDeliveryInput[]>,
  ): Promise<PutResult> {
    // Every check before anything is stored: a refused manifest must leave no new repository
    // and no new blob link behind.
    const target = await this.access.pushTarget(ctx, name, Actions.PutImage);
    const { manifest, digest, contentDigest, tags } = await parsePushed(
      bytes,
      contentType,
      reference,
      extraTags,
      this.options.maxManifestBytes,
    );
    const needsEmptyBlob = await this.checks.checkReferences(target, manifest);
    if (target) await this.checks.checkImmutableTags(target, tags, digest);
    const unchanged = target !== undefined && !needsEmptyBlob && (await this.checks.holds(target, digest, tags));
    const repository = target ?? (await this.access.forPush(ctx, name, Actions.PutImage));
    if (needsEmptyBlob) await this.checks.linkEmptyBlob(repository);

    const stored = parseDigest(contentDigest ?? digest);
    await this.formats.keep(repository, stored, bytes);
    const result: PutResult = {
      digest,
      mediaType: manifest.mediaType,
      tags,
      unchanged,
      ...(manifest.subject && { subject: manifest.subject.digest }),
    };
    const replications = await this.options.replications?.(ctx, repository, digest, tags);
    if (unchanged) {
      if (replications && replications.tasks.length > 0) await replications.enqueue(replications.tasks);
      return result;
    }
    const record: ManifestRecord = {
      repositoryId: repository.id,
      digest,
      mediaType: manifest.mediaType,
      size: bytes.length,
      artifactType: manifest.artifactType ?? null,
      subjectDigest: manifest.subject?.digest ?? null,
      annotations: manifest.annotations ?? null,
      createdAt: Date.now(),
      ...(contentDigest && { contentDigest }),
    };
    const references = [...manifest.blobs, ...manifest.manifests].map((d) => d.digest);
    // Checked again where it is stored, for a push that raced this one to a new tag.
    const immutable = tags.filter((tag) => isTagImmutable(repository, tag));
    const checks = {
      blobs: manifest.blobs.map((d) => d.digest),
      children: manifest.manifests.map((d) => d.digest),
      bytes: stored.value,
    };
    const tasks = replications?.tasks ?? [];
    const events = [
      ...((await this.options.events?.(repository, record, tags)) ?? []),
      ...((await extraEvents?.()) ?? []),
    ];
    const signings = (await this.options.signings?.(repository, record)) ?? [];
    const put = () => this.store.manifests.put(record, references, tags, immutable, checks, tasks, events, signings);
    let outcome = await put();
    // A garbage collection deleted the stored bytes found by `keep` (an old copy nothing named):
    // once its deletion is over, they are stored again.
    for (let attempt = 1; !outcome.stored && 'bytesGone' in outcome && attempt <= 3; attempt++) {
      await this.deletionOver(stored.value);
      this.formats.forget(stored.value);
      await this.formats.keep(repository, stored, bytes);
      outcome = await put();
    }
    if (!outcome.stored) {
      if ('immutableTag' in outcome) throw new ImmutableTagError(outcome.immutableTag, name);
      if ('missing' in outcome) {
        throw new RegistryError(
          'MANIFEST_BLOB_UNKNOWN',
          `manifest references ${outcome.missing.length} unknown blob(s) or manifest(s): ${outcome.missing[0]}`,
          { missing: outcome.missing.map((d) => ({ digest: d, reason: 'blob not found in repository' })) },
        );
      }
      throw new Error(`manifest ${digest}: its stored bytes were deleted by garbage collection while it was pushed`);
    }
    this.formats.remember(contentDigest ?? digest, bytes);
    // Bookkeeping after the fact: the push has succeeded whatever it finds.
    await this.options
      .stored?.(
        repository.id,
        digest,
        manifest.blobs.map((d) => d.digest),
      )
      .catch(() => undefined);
    await this.tellListeners(ctx, repository, record, tags);
    return result;
  }

  private async tellListeners(
    ctx: RequestContext,
    repository: Repository,
    record: ManifestRecord,
    tags: string[],
  ): Promise<void> {
    const listeners = this.options.pushListeners ?? [];
    if (listeners.length === 0) return;
    const actorArn = identityArn(ctx.principal);
    const image = {
      accountId: repository.accountId,
      repositoryId: repository.id,
      repositoryName: repository.name,
      digest: record.digest,
      mediaType: record.mediaType,
      artifactType: record.artifactType,
      subjectDigest: record.subjectDigest,
      tags,
      ...(actorArn !== undefined && { actorArn }),
      pushedAt: record.createdAt,
    };
    for (const listener of listeners) {
      await listener.pushed(image).catch((err) => this.options.onListenerError?.(listener.name, err));
    }
  }

  /** By tag: removes only the tag. By digest: removes the manifest and every tag on it. */
  async delete(ctx: RequestContext, name: string, reference: string): Promise<void> {
    const repository = await this.access.existing(ctx, name, Actions.BatchDeleteImage);
    const ref = parseReference(reference);
    const actor = removalActor(ctx);
    const deleted =
      ref.kind === 'tag'
        ? await this.removal.untag(repository, ref.tag, actor)
        : await this.removal.removeManifest(repository, ref.digest.value, actor);
    if (!deleted)
      throw new RegistryError('MANIFEST_UNKNOWN', `manifest ${reference} not found in ${name}`, { reference });
  }

  /**
   * A tagged manifest in one of `mediaTypes` (ECR BatchGetImage's acceptedMediaTypes): as stored
   * or converted as for a /v2 client with that Accept. MANIFEST_UNKNOWN when it cannot be.
   */
  async inFormat(
    repository: Repository,
    record: ManifestRecord,
    tag: string,
    mediaTypes: string[],
  ): Promise<Served & { bytes: Buffer }> {
    const served = await this.formats.negotiate(
      repository,
      record,
      { types: new Set(mediaTypes), wildcard: false, legacy: false },
      tag,
    );
    return { ...served, bytes: await this.formats.read(repository, served) };
  }

  /** The stored bytes of a manifest record, for a read in the repository. */
  bytes(repository: Repository, record: ManifestRecord): Promise<Buffer> {
    return this.formats.read(repository, record);
  }

  /**
   * By tag: the tagged manifest in a format `accept` allows. By digest: the stored manifest
   * as it is, or a conversion served earlier under that digest.
   */
  private async find(repository: Repository, reference: string, accept: AcceptHeader): Promise<Served> {
    const unknown = () =>
      new RegistryError('MANIFEST_UNKNOWN', `manifest ${reference} not found in ${repository.name}`, { reference });
    // A reference that is neither a tag nor a digest names no manifest: a pull answers 404
    // MANIFEST_UNKNOWN (end-3 fails with 404 only), as Distribution and the conformance suite expect.
    let ref: Reference;
    try {
      ref = parseReference(reference);
    } catch (err) {
      if (err instanceof RegistryError && (err.code === 'TAG_INVALID' || err.code === 'DIGEST_INVALID'))
        throw unknown();
      throw err;
    }
    if (ref.kind === 'tag') {
      const record = await this.lookups.read(`${repository.id} ${reference}`, () =>
        this.store.tags.resolve(repository.id, ref.tag),
      );
      if (!record) throw unknown();
      refuseArchived(record, reference, repository);
      const served = await this.formats.negotiate(repository, record, acceptOf(accept), ref.tag);
      if (served.source !== record.digest) await this.refuseArchivedSource(repository, served.source, reference);
      return served;
    }
    const record = await this.lookups.read(`${repository.id} ${reference}`, () =>
      this.store.manifests.get(repository.id, ref.digest.value),
    );
    if (record) refuseArchived(record, reference, repository);
    const served = record
      ? { ...record, source: record.digest }
      : await this.formats.byDigest(repository, ref.digest.value);
    if (!served) throw unknown();
    if (!record) await this.refuseArchivedSource(repository, served.source, reference);
    return served;
  }

  /** A conversion (or a platform's child) is served only while the manifest it comes from is pullable. */
  private async refuseArchivedSource(repository: Repository, source: string, reference: string): Promise<void> {
    const record = await this.store.manifests.get(repository.id, source);
    if (record) refuseArchived(record, reference, repository);
  }

  /** Waits (a while at most) until a garbage collection's deletion of these stored bytes is over. */
  private async deletionOver(digest: string): Promise<void> {
    for (let wait = 5, waited = 0; waited < 30_000 && (await this.store.gc.isDeleting(digest)); waited += wait) {
      await new Promise((resolve) => setTimeout(resolve, wait));
      wait = Math.min(wait * 2, 200);
    }
  }
}

function describe(record: StoredManifest): StoredManifest {
  return { digest: record.digest, mediaType: record.mediaType, size: record.size };
}
