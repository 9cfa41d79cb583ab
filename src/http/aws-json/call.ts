// What every action of an AWS JSON face receives, and the table of actions a face registers.
import type { AuthenticatedPrincipal } from '../../domain/principal.js';
import type { RequestFacts } from '../../domain/request-facts.js';
import type { ErrorTranslator } from './errors.js';
import type { PageTokens } from './page-tokens.js';

export interface ApiCall {
  principal: AuthenticatedPrincipal;
  /** The session token the request was signed with (temporary credentials only). */
  securityToken?: string;
  /** The action's input, as parsed JSON (validate it with the face's input helper). */
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

/** A service on the AWS JSON host: what it answers under its target prefix, and how its errors read. */
export interface AwsJsonFace {
  /** The service model's metadata.targetPrefix (X-Amz-Target: `<targetPrefix>.<Action>`). */
  targetPrefix: string;
  /** The SigV4 service name requests must be signed for. */
  signingName: string;
  actions: ApiActionTable;
  /** The face's part of the error catalogue. */
  errors: ErrorTranslator;
}

/** AWS JSON timestamps travel as epoch seconds. */
export function epochSeconds(ms: number): number {
  return ms / 1000;
}
