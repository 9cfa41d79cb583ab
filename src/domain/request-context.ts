// Who is asking, and in which registry: resolved once per request by the http layer.
import type { Principal } from './principal.js';
import type { RegistryRef } from './registry.js';
import type { RequestFacts } from './request-facts.js';

export interface RequestContext {
  principal: Principal;
  /** The registry the request addresses: an account's private registry or its public one. */
  registry: RegistryRef;
  /** What the face knows of the request (source address, TLS, user agent, tags it sets), for policy conditions. */
  facts?: RequestFacts;
  /**
   * False on the AWS APIs: there a push to a missing repository is RepositoryNotFoundException,
   * as in ECR; only registry-protocol (/v2) pushes create repositories.
   */
  createOnPush?: boolean;
  /** Berth itself writes a replica (replication): such a push is not replicated on, as ECR does not chain. */
  replica?: boolean;
  /**
   * A peer deployment replicates into this registry (domain/replication-header.ts): the
   * principal is the source account's identity here; writes are authorized as
   * ecr:ReplicateImage, and a missing repository is created with the REPLICATION template.
   */
  replication?: { sourceAccount: string; sourceRegion: string };
}
