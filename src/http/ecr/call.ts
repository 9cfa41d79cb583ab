// What every ECR action handler receives, and the helpers that validate its input.
import type { z } from 'zod';
import type { Principal } from '../../iam/authorizer.js';
import type { RequestContext } from '../../registry/context.js';
import { ApiError } from './errors.js';

export interface ApiCall {
  principal: Extract<Principal, { kind: 'user' }>;
  /** The action's input, as parsed JSON (validate it with `input`). */
  body: unknown;
  /** Host the client used, for registry URIs (proxyEndpoint, repositoryUri). */
  host: string;
  /** http or https, as the client reached Berth. */
  protocol: string;
}

export type ApiAction = (call: ApiCall) => Promise<object>;
export type ApiActionTable = Record<string, ApiAction>;

/** Validates an action's input; the model's InvalidParameterException names the bad field. */
export function input<T extends z.ZodType>(schema: T, body: unknown): z.infer<T> {
  const result = schema.safeParse(body ?? {});
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const field = issue.path.join('.') || 'request';
  throw new ApiError('InvalidParameterException', `Invalid parameter at '${field}' failed to satisfy constraint: '${issue.message}'`);
}

/** ECR timestamps travel as epoch seconds. */
export function epochSeconds(ms: number): number {
  return ms / 1000;
}

/** The registry a call addresses: the caller's own unless it names one (`registryId`). */
export function contextOf(call: ApiCall, registryId?: string): RequestContext {
  return { principal: call.principal, accountId: registryId ?? call.principal.accountId };
}
