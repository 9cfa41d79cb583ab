// What the registry's actions on the ECR faces (ECR and ECR Public) share: input validation in
// InvalidParameterException, the registry a call addresses, and nextToken paging.
import type { z } from 'zod';
import { privateRegistry } from '../../../domain/registry.js';
import type { RequestContext } from '../../../domain/request-context.js';
import type { ApiCall } from '../call.js';
import { validate } from '../validation.js';
import { RegistryApiError } from './errors.js';

/** Validates an action's input; InvalidParameterException in AWS's words names every bad member and its value. */
export function input<T extends z.ZodType>(schema: T, body: unknown): z.infer<T> {
  return validate(schema, body, (message) => new RegistryApiError('InvalidParameterException', message));
}

/**
 * The registry an action addresses: `registryId` when given, else the caller's own account.
 * An API push never creates a repository (RepositoryNotFoundException, as ECR answers).
 */
export function context(call: ApiCall, registryId?: string, requestTags?: Record<string, string>): RequestContext {
  const facts = requestTags ? { ...call.facts, requestTags } : call.facts;
  return {
    principal: call.principal,
    registry: privateRegistry(registryId ?? call.principal.accountId),
    facts,
    createOnPush: false,
  };
}

/**
 * An opaque nextToken for a page cursor, bound to this action and the listing's `parameters`
 * (registry, repository, filter: whatever chooses the items, not the page size).
 */
export function encodeNextToken(call: ApiCall, parameters: unknown, cursor: unknown): string {
  return call.pages.issue({ action: call.action, parameters }, cursor);
}

/**
 * The cursor of a nextToken this action issued for the same listing; InvalidParameterException
 * for anything else (another listing's token, an altered one, one never issued).
 */
export function decodeNextToken<T extends z.ZodType>(
  call: ApiCall,
  schema: T,
  token: string | undefined,
  parameters: unknown,
): z.infer<T> | undefined {
  if (token === undefined) return undefined;
  const cursor = call.pages.open({ action: call.action, parameters }, schema, token);
  if (cursor !== undefined) return cursor;
  throw new RegistryApiError(
    'InvalidParameterException',
    "Invalid parameter at 'nextToken' failed to satisfy constraint: 'must be the nextToken of a previous response to the same request'",
  );
}
