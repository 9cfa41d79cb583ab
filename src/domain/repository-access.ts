// What a service outside registry/ asks of the registry's repositories (the public registry's
// services: public/repositories.ts). registry/ implements it (RepositoryAccess, RepositoryService);
// the composition root passes the implementations in. `R` is the repository record the store returns.
import type { Action } from './actions.js';
import type { RequestContext } from './request-context.js';
import type { ResourceTag } from './resource-tags.js';

/** Authorization on a registry's repositories, and finding them. */
export interface RepositoryGate<R> {
  /** Authorizes `action` on the repository without requiring that it exists. */
  authorize(ctx: RequestContext, name: string, action: Action): Promise<void>;
  /** An existing repository the principal may do `action` on (NAME_UNKNOWN otherwise). */
  existing(ctx: RequestContext, name: string, action: Action): Promise<R>;
  /** Authorizes an action on the registry itself. */
  authorizeRegistry(ctx: RequestContext, action: Action): Promise<void>;
  /** Authorizes an action IAM grants on no particular resource (Resource "*"). */
  authorizeUnscoped(ctx: RequestContext, action: Action): Promise<void>;
}

/** Creating a repository in the registry the context addresses (with its tags). */
export interface RepositoryCreator<R> {
  create(ctx: RequestContext, request: { name: string; tags?: ResourceTag[] }): Promise<R>;
}
