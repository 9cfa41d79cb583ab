// OpenID Connect identity providers an account trusts for AssumeRoleWithWebIdentity
// (aws iam create-open-id-connect-provider …): the issuer URL, its audiences and thumbprints.
import type { MetadataStore } from '../metadata/store.js';
import type { OidcProvider } from '../domain/records/roles.js';
import type { AuthenticatedPrincipal } from '../domain/principal.js';
import { oidcProviderArn, type IamAuthorize } from './iam-access.js';
import { IdentityError } from './identities.js';

const THUMBPRINT = /^[0-9a-fA-F]{40}$/;
const MAX_CLIENT_IDS = 100;
const MAX_THUMBPRINTS = 5;

/** The provider's name from its issuer URL: https:// dropped, no query, fragment or trailing slash. */
export function providerUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new IdentityError('InvalidInput', `${url} is not a URL`);
  }
  if (parsed.protocol !== 'https:' || parsed.search || parsed.hash || parsed.username || parsed.password) {
    throw new IdentityError(
      'InvalidInput',
      'the provider URL must begin with https:// and have no query, fragment or credentials',
    );
  }
  return `${parsed.host}${parsed.pathname}`.replace(/\/+$/, '');
}

export class OidcProviderService {
  constructor(
    private readonly store: Pick<MetadataStore, 'oidcProviders'>,
    private readonly authorize: IamAuthorize,
  ) {}

  async create(
    caller: AuthenticatedPrincipal,
    url: string,
    clientIds: string[] = [],
    thumbprints: string[] = [],
  ): Promise<OidcProvider> {
    const name = providerUrl(url);
    if (clientIds.length > MAX_CLIENT_IDS || clientIds.some((id) => id.length < 1 || id.length > 255)) {
      throw new IdentityError('InvalidInput', `ClientIDList holds up to ${MAX_CLIENT_IDS} ids of 1 to 255 characters`);
    }
    if (thumbprints.length > MAX_THUMBPRINTS || thumbprints.some((t) => !THUMBPRINT.test(t))) {
      throw new IdentityError(
        'InvalidInput',
        `ThumbprintList holds up to ${MAX_THUMBPRINTS} hex SHA-1 fingerprints of 40 characters`,
      );
    }
    const provider: OidcProvider = {
      arn: oidcProviderArn(caller.accountId, name),
      accountId: caller.accountId,
      url: name,
      clientIds: [...new Set(clientIds)],
      thumbprints: [...new Set(thumbprints.map((t) => t.toLowerCase()))],
      createdAt: Date.now(),
    };
    await this.authorize(caller, 'iam:CreateOpenIDConnectProvider', provider.arn);
    if (!(await this.store.oidcProviders.create(provider)))
      throw new IdentityError('EntityAlreadyExists', `Provider with url ${url} already exists.`);
    return provider;
  }

  async get(caller: AuthenticatedPrincipal, arn: string): Promise<OidcProvider> {
    const provider = await this.find(caller.accountId, arn);
    await this.authorize(caller, 'iam:GetOpenIDConnectProvider', provider.arn);
    return provider;
  }

  async list(caller: AuthenticatedPrincipal): Promise<OidcProvider[]> {
    await this.authorize(caller, 'iam:ListOpenIDConnectProviders', oidcProviderArn(caller.accountId, '*'));
    return this.store.oidcProviders.list(caller.accountId);
  }

  async delete(caller: AuthenticatedPrincipal, arn: string): Promise<void> {
    const provider = await this.find(caller.accountId, arn);
    await this.authorize(caller, 'iam:DeleteOpenIDConnectProvider', provider.arn);
    await this.store.oidcProviders.delete(provider.arn);
  }

  /** A provider of the account: NoSuchEntity for another account's or a missing one. */
  async find(accountId: string, arn: string): Promise<OidcProvider> {
    const provider = arn.startsWith(`arn:aws:iam::${accountId}:oidc-provider/`)
      ? await this.store.oidcProviders.get(arn)
      : undefined;
    if (!provider) throw new IdentityError('NoSuchEntity', `OpenIDConnect Provider not found for arn ${arn}`);
    return provider;
  }
}
