// What the registry's changes tell the events outbox (domain/events.ts): a stored push's "ECR
// Image Action" PUSH rows (written in the manifest's transaction), a deletion's DELETE (EXPIRED
// for a lifecycle rule's), and repository creation and deletion as "AWS API Call via CloudTrail".
// Only private registries send events, as ECR's public registry sends none.
import { randomUUID } from 'node:crypto';
import type { EcrEvent, EventOrigin, EventOutbox } from '../domain/events.js';
import { imageActionEvent, repositoryApiCallEvent } from '../domain/events.js';
import type { ManifestRecord } from '../domain/records/manifests.js';
import type { EventDeliveryInput } from '../domain/records/events.js';
import type { Repository } from '../domain/records/repositories.js';
import type { RequestContext } from '../domain/request-context.js';
import { registryOfKey } from '../metadata/registry-key.js';
import type { RemovalActor } from './image-removal.js';

/** CloudTrail's userIdentity.type of each kind of principal. */
const IDENTITY_TYPES: Record<RequestContext['principal']['kind'], string> = {
  anonymous: 'AWSAccount',
  root: 'Root',
  user: 'IAMUser',
  'role-session': 'AssumedRole',
};

export class RegistryEvents {
  constructor(private readonly outbox: EventOutbox) {}

  private origin(repository: Repository, at = Date.now()): EventOrigin | undefined {
    const registry = registryOfKey(repository.accountId);
    if (registry.visibility !== 'private') return undefined;
    return { id: randomUUID(), account: registry.accountId, region: this.outbox.region, at };
  }

  /** A stored push's rows: one PUSH per tag it put (one untagged PUSH without tags). */
  async pushed(repository: Repository, record: ManifestRecord, tags: string[]): Promise<EventDeliveryInput[]> {
    const events: EcrEvent[] = [];
    for (const tag of tags.length > 0 ? tags : [undefined]) {
      const origin = this.origin(repository, record.createdAt);
      if (!origin) return [];
      events.push(
        imageActionEvent(origin, 'PUSH', {
          repositoryName: repository.name,
          digest: record.digest,
          ...(tag !== undefined && { tag }),
          mediaType: record.mediaType,
          artifactType: record.artifactType,
        }),
      );
    }
    return this.outbox.deliveries(events);
  }

  /** A removed tag or manifest: DELETE, or EXPIRED when a lifecycle rule removed it. */
  async removed(repository: Repository, digest: string, actor: RemovalActor, tag?: string): Promise<void> {
    const origin = this.origin(repository);
    if (!origin) return;
    const action = actor.kind === 'lifecycle' ? 'EXPIRED' : 'DELETE';
    await this.outbox.record([
      imageActionEvent(origin, action, { repositoryName: repository.name, digest, ...(tag !== undefined && { tag }) }),
    ]);
  }

  /** A repository created or deleted through the API. */
  async repositoryCall(
    ctx: RequestContext,
    eventName: 'CreateRepository' | 'DeleteRepository',
    repository: Repository,
  ): Promise<void> {
    const origin = this.origin(repository);
    if (!origin) return;
    const principal = ctx.principal;
    const principalArn = principal.kind === 'anonymous' ? 'anonymous' : principal.arn;
    const principalAccount = principal.kind === 'anonymous' ? '' : principal.accountId;
    const identityType = IDENTITY_TYPES[principal.kind];
    await this.outbox.record([
      repositoryApiCallEvent(origin, {
        eventName,
        repositoryName: repository.name,
        principalArn,
        principalAccount,
        identityType,
        ...(ctx.facts?.sourceIp !== undefined && { sourceIp: ctx.facts.sourceIp }),
        ...(ctx.facts?.userAgent !== undefined && { userAgent: ctx.facts.userAgent }),
      }),
    ]);
  }
}
