// Private endpoints (the PrivateLink analog): extra listeners that serve what the main listener
// serves, each declared a VPC endpoint. Requests through one carry aws:SourceVpce and
// aws:SourceVpc, and its endpoint policy is evaluated beside the others (iam/policy-authorizer.ts).
import { z } from 'zod';

const LISTEN = /^(?:\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]*):\d{1,5}$/;

/** A policy in the configuration: a JSON object (YAML), or its JSON text. Parsed and checked at start-up. */
const policyText = z.union([
  z.string(),
  z.record(z.string(), z.unknown()).transform((policy) => JSON.stringify(policy)),
]);

export const EndpointSchema = z.strictObject({
  /** HOST:PORT this endpoint's listener serves on. */
  listen: z.string().regex(LISTEN, 'must be HOST:PORT, e.g. 10.0.1.5:5000'),
  /** The endpoint's id, the value of aws:SourceVpce. */
  id: z.string().regex(/^vpce-[0-9a-z]{1,32}$/, 'must be vpce- followed by lowercase letters and digits'),
  /** The network it serves, the value of aws:SourceVpc. */
  vpcId: z.string().regex(/^vpc-[0-9a-z]{1,32}$/, 'must be vpc- followed by lowercase letters and digits'),
  /** The endpoint policy; empty: full access (AWS's default endpoint policy). */
  policy: policyText.default(''),
});

export type EndpointConfig = z.infer<typeof EndpointSchema>;

/** The endpoints: a YAML list, or (from BERTH_ENDPOINTS) a JSON array. */
export const EndpointsSchema = z
  .preprocess((v) => {
    if (typeof v !== 'string') return v;
    try {
      return JSON.parse(v) as unknown;
    } catch {
      return v;
    }
  }, z.array(EndpointSchema))
  .superRefine((endpoints, ctx) => {
    const ids = new Set<string>();
    endpoints.forEach((endpoint, i) => {
      if (ids.has(endpoint.id))
        ctx.addIssue({ code: 'custom', message: 'one listener per endpoint id', path: [i, 'id'] });
      ids.add(endpoint.id);
    });
  })
  .default([]);
