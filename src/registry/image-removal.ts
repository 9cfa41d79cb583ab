// Removing tags and images: the one path every deletion takes (BatchDeleteImage, DELETE on /v2,
// lifecycle expiry), so that what guards a deletion holds on each of them. Callers have already
// authorized the caller; this records who asked, and drops the cached bytes of what it removed.
// A deletion protection refuses it (DeletionProtectedError); the trash keeps what it removes; the
// removal's events are written in its own transaction.
import type { EventDeliveryInput } from '../domain/records/events.js';
import type { Repository } from '../domain/records/repositories.js';
import type { RequestContext } from '../domain/request-context.js';
import type { MetadataStore } from '../metadata/store.js';
import type { DeletionProtections } from './deletion-protection.js';
import type { ManifestFormats } from './manifest-formats.js';
import type { Trash } from './trash.js';

/** Who removes: a caller of the API (by ARN; `anonymous` never can), or a lifecycle rule. */
export type RemovalActor = { kind: 'principal'; arn: string } | { kind: 'lifecycle'; rulePriority: number };

/** The actor of a request: its principal (deletions are never anonymous: authorization refuses them first). */
export function removalActor(ctx: RequestContext): RemovalActor {
  return { kind: 'principal', arn: ctx.principal.kind === 'anonymous' ? 'anonymous' : ctx.principal.arn };
}

/** The actor as the trash records it: the ARN, or `lifecycle:rule <priority>`. */
export function actorLabel(actor: RemovalActor): string {
  return actor.kind === 'principal' ? actor.arn : `lifecycle:rule ${actor.rulePriority}`;
}

export interface RemovalGuards {
  /** Refuses deletions of what is protected. */
  protections?: Pick<DeletionProtections, 'checkUntag' | 'checkManifest'>;
  /** Keeps removed manifests restorable. */
  trash?: Pick<Trash, 'discard'>;
  /**
   * The outbox rows of a removal, with the tags it removes (registry/image-events.ts): written
   * in the removal's own transaction, so they commit with it or not at all.
   */
  events?: (
    repository: Repository,
    digest: string,
    actor: RemovalActor,
    tags: string[],
  ) => Promise<EventDeliveryInput[]>;
}

export class ImageRemoval {
  constructor(
    private readonly store: Pick<MetadataStore, 'manifests' | 'tags'> & Partial<Pick<MetadataStore, 'images'>>,
    private readonly formats: Pick<ManifestFormats, 'forget'>,
    private readonly guards: RemovalGuards = {},
  ) {}

  /** Removes one tag; its manifest stays, untagged if it was the last. False when there was no such tag. */
  async untag(repository: Repository, tag: string, actor: RemovalActor): Promise<boolean> {
    await this.guards.protections?.checkUntag(repository, tag);
    const digest = this.guards.events && (await this.store.tags.resolve(repository.id, tag))?.digest;
    const events = digest ? await this.guards.events!(repository, digest, actor, [tag]) : [];
    return this.store.tags.delete(repository.id, tag, events);
  }

  /** Removes a manifest with every tag on it. False when the repository had no such manifest. */
  async removeManifest(repository: Repository, digest: string, actor: RemovalActor): Promise<boolean> {
    await this.guards.protections?.checkManifest(repository, digest);
    // Its tags as they were, for the events of the removal (one per tag, as ECR sends them).
    const events = this.guards.events
      ? await this.guards.events(
          repository,
          digest,
          actor,
          (await this.store.images?.get(repository.id, [digest]))?.[0]?.tags ?? [],
        )
      : [];
    const removed = this.guards.trash
      ? await this.guards.trash.discard(repository, digest, actorLabel(actor), events)
      : await this.store.manifests.delete(repository.id, digest, events);
    if (removed) this.formats.forget(digest);
    return removed;
  }
}
