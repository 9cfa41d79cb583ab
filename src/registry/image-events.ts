// What the registry's changes tell the events outbox (domain/events.ts): a stored push's "ECR
// Image Action" PUSH rows, a deletion's DELETE (EXPIRED for a lifecycle rule's), and repository
// creation and deletion as "AWS API Call via CloudTrail". Each is the outbox rows the change
// writes in its own store transaction: none is lost to a crash after the commit, none is sent
// for a change that did not commit. Only private registries send events, as ECR's public
// registry sends none.
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

  private origin(repository: Pick<Repository, 'accountId'>, at = Date.now()): EventOrigin | undefined {
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

  /**
   * A tag's or a manifest's removal, written in its own transaction: DELETE (EXPIRED when a
   * lifecycle rule removes it), one per tag it had (one untagged without tags), as ECR sends them.
   */
  async removal(
    repository: Repository,
    digest: string,
    actor: RemovalActor,
    tags: readonly string[],
  ): Promise<EventDeliveryInput[]> {
    const events: EcrEvent[] = [];
    const action = actor.kind === 'lifecycle' ? 'EXPIRED' : 'DELETE';
    for (const tag of tags.length > 0 ? tags : [undefined]) {
      const origin = this.origin(repository);
      if (!origin) return [];
      events.push(
        imageActionEvent(origin, action, {
          repositoryName: repository.name,
          digest,
          ...(tag !== undefined && { tag }),
        }),
      );
    }
    return this.outbox.deliveries(events);
  }

  /** A repository's creation or deletion through the API, written in its own transaction. */
  async repositoryCall(
    ctx: RequestContext,
    eventName: 'CreateRepository' | 'DeleteRepository',
    repository: Pick<Repository, 'accountId' | 'name'>,
  ): Promise<EventDeliveryInput[]> {
    const origin = this.origin(repository);
    if (!origin) return [];
    const principal = ctx.principal;
    const principalArn = principal.kind === 'anonymous' ? 'anonymous' : principal.arn;
    const principalAccount = principal.kind === 'anonymous' ? '' : principal.accountId;
    const identityType = IDENTITY_TYPES[principal.kind];
    return this.outbox.deliveries([
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
