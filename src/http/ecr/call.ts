// What every ECR action handler receives, and the helpers that validate its input.
import type { z } from 'zod';
import type { AuthenticatedPrincipal } from '../../domain/principal.js';
import type { RequestFacts } from '../../domain/request-facts.js';
import type { RequestContext } from '../../domain/request-context.js';
import type { PageTokens } from '../aws-json/page-tokens.js';
import { validate } from '../aws-json/validation.js';
import { ApiError } from './errors.js';

export interface ApiCall {
  principal: AuthenticatedPrincipal;
  /** The session token the request was signed with (temporary credentials only). */
  securityToken?: string;
  /** The action's input, as parsed JSON (validate it with `input`). */
  body: unknown;
  /** Host the client used, for registry URIs (proxyEndpoint, repositoryUri). */
  host: string;
  /** http or https, as the client reached Berth. */
  protocol: string;
  /** For policy conditions (aws:SourceIp, …). */
  facts: RequestFacts;
  /** The action called, as its X-Amz-Target names it (paging tokens are bound to it). */
  action: string;
  /** Signs and opens paging tokens. */
  pages: PageTokens;
}

export type ApiAction = (call: ApiCall) => Promise<object>;
export type ApiActionTable = Record<string, ApiAction>;

/** Validates an action's input; InvalidParameterException in AWS's words names every bad member and its value. */
export function input<T extends z.ZodType>(schema: T, body: unknown): z.infer<T> {
  return validate(schema, body, (message) => new ApiError('InvalidParameterException', message));
}

/** ECR timestamps travel as epoch seconds. */
export function epochSeconds(ms: number): number {
  return ms / 1000;
}

/**
 * The registry an action addresses: `registryId` when given, else the caller's own account.
 * An API push never creates a repository (RepositoryNotFoundException, as ECR answers).
 */
export function context(call: ApiCall, registryId?: string, requestTags?: Record<string, string>): RequestContext {
  const facts = requestTags ? { ...call.facts, requestTags } : call.facts;
  return { principal: call.principal, accountId: registryId ?? call.principal.accountId, facts, createOnPush: false };
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
  throw new ApiError(
    'InvalidParameterException',
    "Invalid parameter at 'nextToken' failed to satisfy constraint: 'must be the nextToken of a previous response to the same request'",
  );
}
