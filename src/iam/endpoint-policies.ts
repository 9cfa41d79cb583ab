// The endpoint policies of the private endpoints (config.endpoints), parsed once at start-up, by
// endpoint id: the authorizer bounds a request that came through an endpoint by its policy.
import type { EndpointConfig } from '../config/schema-endpoints.js';
import { parsePolicy, PolicyValidationError } from '../policy/document.js';
import type { NamedPolicy } from '../policy/evaluate.js';

/** AWS's limit on a VPC endpoint policy, in characters without whitespace. */
const MAX_ENDPOINT_POLICY = 20_480;

/** An endpoint policy that cannot be read: the configuration is wrong. */
export class EndpointPolicyError extends Error {
  override name = 'EndpointPolicyError';
}

/** Endpoint id → its policy; an endpoint without a policy has full access (AWS's default) and no entry. */
export function endpointPolicies(endpoints: readonly EndpointConfig[]): ReadonlyMap<string, readonly NamedPolicy[]> {
  const byId = new Map<string, readonly NamedPolicy[]>();
  for (const [i, endpoint] of endpoints.entries()) {
    if (!endpoint.policy) continue;
    try {
      const document = parsePolicy(endpoint.policy, { kind: 'resource', maxLength: MAX_ENDPOINT_POLICY });
      byId.set(endpoint.id, [{ name: `endpoint ${endpoint.id}`, document }]);
    } catch (err) {
      if (!(err instanceof PolicyValidationError)) throw err;
      throw new EndpointPolicyError(`endpoints[${i}].policy (${endpoint.id}): ${err.message}`);
    }
  }
  return byId;
}
