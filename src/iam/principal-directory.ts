// Whether the principals a policy names exist, as IAM checks when a resource, key or trust policy
// is set: the users and roles of any account (a role session's role too) and OIDC providers must
// exist. Accounts, services, federated users and "*" are taken as written: AWS does not tell
// which accounts exist, and the others are not resources that can be looked up.
import type { MetadataStore } from '../metadata/store.js';
import type { PolicyDocument } from '../policy/document.js';

export interface UnknownPrincipal {
  /** Where the document names it, e.g. Statement[1].Principal.AWS. */
  element: string;
  /** The principal type: AWS or Federated. */
  type: string;
  principal: string;
}

const IDENTITY_ARN = /^arn:aws:(?:iam|sts)::(\d{12}):(user|role|assumed-role)\/(.+)$/;
const OIDC_PROVIDER_ARN = /^arn:aws:iam::\d{12}:oidc-provider\/.+$/;

export class PrincipalDirectory {
  constructor(private readonly store: Pick<MetadataStore, 'identities' | 'roles' | 'oidcProviders'>) {}

  /** The first principal of `document` (in statement order) that names no existing user, role or provider. */
  async firstUnknown(document: PolicyDocument): Promise<UnknownPrincipal | undefined> {
    for (const [index, statement] of document.statements.entries()) {
      for (const [field, block] of [
        ['Principal', statement.principal],
        ['NotPrincipal', statement.notPrincipal],
      ] as const) {
        for (const [type, values] of Object.entries(block ?? {})) {
          for (const principal of values) {
            if (!(await this.exists(type, principal)))
              return { element: `Statement[${index}].${field}.${type}`, type, principal };
          }
        }
      }
    }
    return undefined;
  }

  /** Whether a principal of this type (AWS, Federated, Service) names an existing user, role or provider, where it names one. */
  async exists(type: string, principal: string): Promise<boolean> {
    if (type === 'Federated')
      return !OIDC_PROVIDER_ARN.test(principal) || (await this.store.oidcProviders.get(principal)) !== undefined;
    const match = type === 'AWS' ? IDENTITY_ARN.exec(principal) : null;
    if (!match) return true;
    const [, account, kind, path] = match as unknown as [string, string, string, string];
    if (kind === 'user')
      return (await this.store.identities.getUserByName(account, path.slice(path.lastIndexOf('/') + 1))) !== undefined;
    // role/PATH/NAME, or assumed-role/NAME/SESSION: the role must exist.
    const role = kind === 'role' ? path.slice(path.lastIndexOf('/') + 1) : path.slice(0, path.indexOf('/'));
    return (await this.store.roles.get(account, role)) !== undefined;
  }
}
