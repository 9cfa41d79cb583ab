// SetRepositoryPolicy, GetRepositoryPolicy, DeleteRepositoryPolicy, PutRegistryPolicy,
// GetRegistryPolicy, DeleteRegistryPolicy: the model's shapes over the policy service.
import { z } from 'zod';
import type { PolicyService } from '../../../registry/policies.js';
import type { ApiActionTable } from '../../aws-json/call.js';
import { context, input } from '../../aws-json/registry-api/call.js';
import { RegistryId, RepositoryName } from '../shapes.js';

const PolicyText = z.string().max(10_240);

/** Input schemas by action, for the model conformance test. */
export const policyInputs = {
  SetRepositoryPolicy: z.object({
    registryId: RegistryId.optional(),
    repositoryName: RepositoryName,
    policyText: PolicyText,
    force: z.boolean().optional(),
  }),
  GetRepositoryPolicy: z.object({ registryId: RegistryId.optional(), repositoryName: RepositoryName }),
  DeleteRepositoryPolicy: z.object({ registryId: RegistryId.optional(), repositoryName: RepositoryName }),
  PutRegistryPolicy: z.object({ policyText: PolicyText }),
  GetRegistryPolicy: z.object({}),
  DeleteRegistryPolicy: z.object({}),
};

export function policyActions(policies: PolicyService): ApiActionTable {
  return {
    async SetRepositoryPolicy(call) {
      const request = input(policyInputs.SetRepositoryPolicy, call.body);
      return policies.setRepositoryPolicy(
        context(call, request.registryId),
        request.repositoryName,
        request.policyText,
        request.force ?? false,
      );
    },

    async GetRepositoryPolicy(call) {
      const request = input(policyInputs.GetRepositoryPolicy, call.body);
      return policies.getRepositoryPolicy(context(call, request.registryId), request.repositoryName);
    },

    async DeleteRepositoryPolicy(call) {
      const request = input(policyInputs.DeleteRepositoryPolicy, call.body);
      return policies.deleteRepositoryPolicy(context(call, request.registryId), request.repositoryName);
    },

    async PutRegistryPolicy(call) {
      const request = input(policyInputs.PutRegistryPolicy, call.body);
      return policies.putRegistryPolicy(context(call), request.policyText);
    },

    async GetRegistryPolicy(call) {
      input(policyInputs.GetRegistryPolicy, call.body);
      return policies.getRegistryPolicy(context(call));
    },

    async DeleteRegistryPolicy(call) {
      input(policyInputs.DeleteRegistryPolicy, call.body);
      return policies.deleteRegistryPolicy(context(call));
    },
  };
}
