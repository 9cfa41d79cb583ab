// Who is asking, and in which account's registry: resolved once per request by the http layer.
import type { Principal } from '../iam/authorizer.js';

export interface RequestContext {
  principal: Principal;
  /** The account whose registry the request addresses. */
  accountId: string;
}
