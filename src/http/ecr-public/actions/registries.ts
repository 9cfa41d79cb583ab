// The registry actions of ECR Public: DescribeRegistries (the caller's public registry with its
// aliases), Get/PutRegistryCatalogData, and GetAuthorizationToken (the password the public
// registry's token endpoint exchanges for a push token).
import { z } from 'zod';
import { publicRegistry, registryArn } from '../../../domain/registry.js';
import type { PublicRepositoryService } from '../../../public/repositories.js';
import type { TokenService } from '../../../iam/tokens.js';
import { epochSeconds, type ApiActionTable } from '../../aws-json/call.js';
import { decodeNextToken, input } from '../../aws-json/registry-api/call.js';
import type { PublicFace } from '../call.js';
import { MaxResults } from '../shapes.js';

export const registryInputs = {
  DescribeRegistries: z.object({ nextToken: z.string().optional(), maxResults: MaxResults.optional() }),
  GetRegistryCatalogData: z.object({}),
  PutRegistryCatalogData: z.object({ displayName: z.string().min(0).max(100).optional() }),
  GetAuthorizationToken: z.object({}),
};

export function registryActions(
  face: PublicFace,
  publicRepositories: PublicRepositoryService,
  tokens: TokenService,
): ApiActionTable {
  return {
    async DescribeRegistries(call) {
      const request = input(registryInputs.DescribeRegistries, call.body);
      // An account has one public registry: every page after the first is empty.
      if (
        decodeNextToken(call, z.object({ after: z.literal('registry') }), request.nextToken, [call.principal.accountId])
      )
        return { registries: [] };
      const found = await publicRepositories.registry(call.principal);
      if (!found) return { registries: [] };
      const accountId = found.registry.accountId;
      const primary =
        found.aliases.find((a) => a.primary && a.status === 'ACTIVE') ?? found.aliases.find((a) => a.default);
      return {
        registries: [
          {
            registryId: accountId,
            registryArn: registryArn(publicRegistry(accountId), face.region),
            registryUri: `${face.endpoint.host()}/${primary?.name ?? accountId}`,
            verified: false,
            aliases: found.aliases.map((a) => ({
              name: a.name,
              status: a.status,
              primaryRegistryAlias: a.primary,
              defaultRegistryAlias: a.default,
            })),
          },
        ],
      };
    },

    async GetRegistryCatalogData(call) {
      input(registryInputs.GetRegistryCatalogData, call.body);
      return { registryCatalogData: await publicRepositories.registryCatalog(call.principal) };
    },

    async PutRegistryCatalogData(call) {
      const request = input(registryInputs.PutRegistryCatalogData, call.body);
      return {
        registryCatalogData: await publicRepositories.putRegistryCatalog(call.principal, request.displayName ?? ''),
      };
    },

    async GetAuthorizationToken(call) {
      input(registryInputs.GetAuthorizationToken, call.body);
      await publicRepositories.authorizeToken(call.principal);
      const { password, expiresAt } = tokens.issue({
        account: call.principal.accountId,
        key: call.principal.accessKeyId,
      });
      return {
        authorizationData: {
          authorizationToken: Buffer.from(`AWS:${password}`).toString('base64'),
          expiresAt: epochSeconds(expiresAt),
        },
      };
    },
  };
}
