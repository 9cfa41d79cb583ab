// OpenID Connect providers: CreateOpenIDConnectProvider, GetOpenIDConnectProvider,
// ListOpenIDConnectProviders, DeleteOpenIDConnectProvider.
import { z } from 'zod';
import { signed } from '../../../iam/iam-access.js';
import type { OidcProviderService } from '../../../iam/oidc-providers.js';
import { input, type IamActionTable } from '../call.js';
import { IamError } from '../errors.js';
import { stringList, tagList } from '../shapes.js';

const arn = z.string().min(20).max(2048);

export function oidcProviderActions(providers: OidcProviderService): IamActionTable {
  return {
    async CreateOpenIDConnectProvider(call) {
      const body = input(
        z.object({
          Url: z.string().min(1).max(255),
          ClientIDList: stringList.optional(),
          ThumbprintList: stringList.optional(),
          Tags: tagList,
        }),
        call.body,
      );
      if (body.Tags && body.Tags.length > 0)
        throw new IamError('InvalidInput', 'Berth does not keep tags on OpenID Connect providers');
      const provider = await providers.create(signed(call.principal), body.Url, body.ClientIDList, body.ThumbprintList);
      return { OpenIDConnectProviderArn: provider.arn };
    },
    async GetOpenIDConnectProvider(call) {
      const body = input(z.object({ OpenIDConnectProviderArn: arn }), call.body);
      const provider = await providers.get(signed(call.principal), body.OpenIDConnectProviderArn);
      return {
        Url: provider.url,
        ClientIDList: provider.clientIds,
        ThumbprintList: provider.thumbprints,
        CreateDate: new Date(provider.createdAt),
      };
    },
    async ListOpenIDConnectProviders(call) {
      input(z.object({}), call.body);
      const list = await providers.list(signed(call.principal));
      return { OpenIDConnectProviderList: list.map((p) => ({ Arn: p.arn })) };
    },
    async DeleteOpenIDConnectProvider(call) {
      const body = input(z.object({ OpenIDConnectProviderArn: arn }), call.body);
      await providers.delete(signed(call.principal), body.OpenIDConnectProviderArn);
      return undefined;
    },
  };
}
