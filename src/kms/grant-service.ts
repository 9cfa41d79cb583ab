// KMS grants: CreateGrant, ListGrants, ListRetirableGrants, RetireGrant and RevokeGrant, and the
// grant ECR keeps on a KMS repository's key. The rules themselves are in grant-rules.ts; whether a
// grant allows a caller's use of a key is asked when authorizing (key-authorization.ts).
import { KmsActions } from '../domain/actions.js';
import { KmsError } from '../domain/kms-errors.js';
import type { Principal } from '../domain/principal.js';
import { PrincipalDirectory } from '../iam/principal-directory.js';
import type { RepositoryKeyGrants } from '../domain/key-wrapping.js';
import type { KmsGrant, KmsGrantConstraints, KmsKey } from '../domain/records/kms.js';
import type { MetadataStore } from '../metadata/store.js';
import type { Repository } from '../domain/records/repositories.js';
import {
  CONSTRAINT_LIMITS,
  granteesOf,
  grantIdOfToken,
  isGrantId,
  newGrantId,
  newGrantToken,
  rootArn,
  grantOperationsOf,
  type GrantScope,
} from './grant-rules.js';
import type { KeyAccess, KmsContext } from './key-authorization.js';
import { invalidState } from './key-states.js';

/** IAM principals (account, user, role, role session, federated user) and service principals. */
const GRANTEE =
  /^(?:arn:aws:iam::\d{12}:(?:root|user\/.+|role\/.+)|arn:aws:sts::\d{12}:(?:assumed-role|federated-user)\/.+|[a-z0-9.-]+\.amazonaws\.com)$/;

/** What ECR's grant on a repository's key allows ECR (its service principal) to do. */
const ECR_GRANT_OPERATIONS = [
  'Decrypt',
  'Encrypt',
  'GenerateDataKey',
  'GenerateDataKeyWithoutPlaintext',
  'ReEncryptFrom',
  'ReEncryptTo',
  'DescribeKey',
  'RetireGrant',
];

export interface NewGrant {
  keyId: string;
  granteePrincipal: string;
  retiringPrincipal?: string;
  operations: string[];
  constraints?: KmsGrantConstraints;
  name?: string;
  dryRun?: boolean;
}

function dryRun(): KmsError {
  return new KmsError('DryRunOperationException', 'The request would have succeeded, but the DryRun option is set.');
}

export class GrantService implements RepositoryKeyGrants {
  private readonly principals: PrincipalDirectory;
  /** ECR's service principal in this region: the grantee and retiring principal of its grants. */
  private readonly ecr: string;

  constructor(
    private readonly store: Pick<MetadataStore, 'kms' | 'identities' | 'roles' | 'oidcProviders'>,
    private readonly keys: KeyAccess,
    region: string,
  ) {
    this.principals = new PrincipalDirectory(store);
    this.ecr = `ecr.${region}.amazonaws.com`;
  }

  /**
   * The grant ECR adds to a KMS repository's key when it creates the repository (the creator was
   * authorized kms:CreateGrant then): for ECR's service principal, made in the repository's
   * account, named after the repository, and retired by ECR when the repository is deleted.
   */
  async grantToEcr(repository: Repository, key: KmsKey): Promise<void> {
    const id = newGrantId();
    await this.store.kms.createGrant({
      id,
      keyId: key.id,
      name: ecrGrantName(repository),
      granteePrincipal: this.ecr,
      retiringPrincipal: this.ecr,
      issuingAccount: repository.accountId,
      operations: ECR_GRANT_OPERATIONS,
      constraints: null,
      token: newGrantToken(id),
      createdAt: Date.now(),
    });
  }

  /** Retires ECR's grant for a deleted repository (if its key and the grant are still there). */
  async retireEcrGrant(repository: Repository): Promise<void> {
    if (repository.kmsKey === null) return;
    const keyId = repository.kmsKey.slice(repository.kmsKey.lastIndexOf('/') + 1);
    for (const grant of await this.store.kms.grantsFor(keyId, [this.ecr])) {
      if (grant.name === ecrGrantName(repository)) await this.store.kms.deleteGrant(grant.id);
    }
  }

  async create(ctx: KmsContext, request: NewGrant): Promise<{ grantId: string; grantToken: string }> {
    const operations = [...new Set(request.operations)];
    if (operations.length === 0)
      throw new KmsError('ValidationException', 'Operations must name at least one grant operation');
    const constraints = checkConstraints(request.constraints);
    const principals = [
      ['GranteePrincipal', request.granteePrincipal],
      ['RetiringPrincipal', request.retiringPrincipal],
    ] as const;
    for (const [field, principal] of principals) {
      if (principal !== undefined && !GRANTEE.test(principal))
        throw new KmsError(
          'ValidationException',
          `${field} ${principal} is not an account, user, role, role session, federated user or service principal`,
        );
    }
    const key = await this.keys.find(ctx.accountId, request.keyId);
    const invalid = operations.filter((operation) => !grantOperationsOf(key).has(operation));
    if (invalid.length > 0)
      throw new KmsError(
        'ValidationException',
        `Grant operations ${invalid.join(', ')} are not valid for a ${key.keySpec} key`,
      );
    const scope: GrantScope = { operations, constraints };
    await this.keys.authorizeOn(
      ctx,
      KmsActions.CreateGrant,
      key,
      {
        reference: request.keyId,
        grant: {
          granteePrincipal: request.granteePrincipal,
          operations,
          ...(request.retiringPrincipal !== undefined && { retiringPrincipal: request.retiringPrincipal }),
          constraintTypes: [
            ...(constraints?.encryptionContextEquals ? ['EncryptionContextEquals'] : []),
            ...(constraints?.encryptionContextSubset ? ['EncryptionContextSubset'] : []),
          ],
        },
      },
      scope,
    );
    // Whether the principals exist is told only to a caller allowed to make the grant.
    for (const [field, principal] of principals) {
      if (principal !== undefined && !(await this.principals.exists('AWS', principal)))
        throw new KmsError('ValidationException', `${field} ${principal} does not exist`);
    }
    if (key.state === 'PendingDeletion') throw invalidState(key);
    if (request.dryRun) throw dryRun();
    if (request.name !== undefined) {
      // With a name, an identical request gets the grant made before (KMS's idempotent retry).
      const same = (await this.store.kms.grantsFor(key.id, [request.granteePrincipal])).find(
        (grant) =>
          grant.name === request.name &&
          grant.retiringPrincipal === (request.retiringPrincipal ?? null) &&
          sameSet(grant.operations, operations) &&
          JSON.stringify(grant.constraints) === JSON.stringify(constraints),
      );
      if (same) return { grantId: same.id, grantToken: same.token };
    }
    const id = newGrantId();
    const grant: KmsGrant = {
      id,
      keyId: key.id,
      name: request.name ?? null,
      granteePrincipal: request.granteePrincipal,
      retiringPrincipal: request.retiringPrincipal ?? null,
      issuingAccount: ctx.accountId,
      operations,
      constraints,
      token: newGrantToken(id),
      createdAt: Date.now(),
    };
    await this.store.kms.createGrant(grant);
    return { grantId: grant.id, grantToken: grant.token };
  }

  /** A key's grants (kms:ListGrants on the key), by grant id; one grant or one grantee's when asked. */
  async list(
    ctx: KmsContext,
    keyReference: string,
    filter: { grantId?: string; granteePrincipal?: string },
    after: string | undefined,
    limit: number,
  ): Promise<{ key: KmsKey; grants: KmsGrant[] }> {
    if (filter.grantId !== undefined && !isGrantId(filter.grantId))
      throw new KmsError('InvalidGrantIdException', `${filter.grantId} is not a grant id`);
    if (after !== undefined && !isGrantId(after))
      throw new KmsError('InvalidMarkerException', 'the marker is not one a ListGrants response gave');
    const key = await this.keys.find(ctx.accountId, keyReference);
    await this.keys.authorizeOn(ctx, KmsActions.ListGrants, key, { reference: keyReference });
    if (filter.grantId !== undefined) {
      const grant = await this.store.kms.getGrant(filter.grantId);
      const matches =
        grant !== undefined &&
        grant.keyId === key.id &&
        (filter.granteePrincipal === undefined || grant.granteePrincipal === filter.granteePrincipal);
      return { key, grants: matches && (after === undefined || grant.id > after) ? [grant] : [] };
    }
    return { key, grants: await this.store.kms.listGrants(key.id, filter.granteePrincipal, after, limit) };
  }

  /**
   * The grants a principal of the caller's account may retire, on keys of any account. KMS asks
   * only for kms:ListRetirableGrants in the caller's account, on the retiring principal.
   */
  async listRetirable(
    ctx: KmsContext,
    retiringPrincipal: string,
    after: string | undefined,
    limit: number,
  ): Promise<KmsGrant[]> {
    const account = /^arn:aws:(?:iam|sts)::(\d{12}):/.exec(retiringPrincipal)?.[1];
    if (account !== ctx.accountId)
      throw new KmsError('InvalidArnException', `RetiringPrincipal must be a principal of account ${ctx.accountId}`);
    if (after !== undefined && !isGrantId(after))
      throw new KmsError('InvalidMarkerException', 'the marker is not one a ListRetirableGrants response gave');
    await this.keys.authorizeAccount(ctx, KmsActions.ListRetirableGrants, retiringPrincipal);
    return this.store.kms.listRetirableGrants(retiringPrincipal, after, limit);
  }

  /** The ARNs of the grants' keys, by key id. */
  async keyArns(grants: readonly KmsGrant[]): Promise<Map<string, string>> {
    const arns = new Map<string, string>();
    for (const keyId of new Set(grants.map((grant) => grant.keyId))) {
      const key = await this.store.kms.getKey(keyId);
      if (key) arns.set(keyId, key.arn);
    }
    return arns;
  }

  /**
   * Deletes a grant named by its token, or by key and grant id. Its retiring principal may, its
   * grantee when the grant allows RetireGrant, the account it was created in (its root), and
   * whoever the key's policies allow kms:RetireGrant.
   */
  async retire(
    ctx: KmsContext,
    request: { grantToken?: string; keyId?: string; grantId?: string; dryRun?: boolean },
  ): Promise<void> {
    let id = request.grantId;
    if (request.grantToken !== undefined) {
      const named = grantIdOfToken(request.grantToken);
      if (named === undefined || (id !== undefined && id !== named))
        throw new KmsError('InvalidGrantTokenException', 'the grant token is not valid');
      id = named;
    } else if (request.keyId === undefined || id === undefined) {
      throw new KmsError('ValidationException', 'give GrantToken, or KeyId and GrantId');
    }
    if (!isGrantId(id!)) throw new KmsError('InvalidGrantIdException', `${id} is not a grant id`);
    const grant = await this.store.kms.getGrant(id!);
    if (request.grantToken !== undefined && grant !== undefined && grant.token !== request.grantToken)
      throw new KmsError('InvalidGrantTokenException', 'the grant token is not valid');
    const key = grant && (await this.store.kms.getKey(grant.keyId));
    if (request.keyId !== undefined) {
      const named = await this.keys.find(ctx.accountId, request.keyId);
      if (grant !== undefined && grant.keyId !== named.id) throw notFound(id!);
    }
    if (!grant || !key) throw notFound(id!);
    if (!this.mayRetire(ctx.principal, grant)) await this.keys.authorizeOn(ctx, KmsActions.RetireGrant, key);
    if (request.dryRun) throw dryRun();
    await this.store.kms.deleteGrant(grant.id);
  }

  private mayRetire(principal: Principal, grant: KmsGrant): boolean {
    const { direct } = granteesOf(principal);
    if (grant.retiringPrincipal !== null && direct.includes(grant.retiringPrincipal)) return true;
    if (grant.operations.includes('RetireGrant') && direct.includes(grant.granteePrincipal)) return true;
    return direct.includes(rootArn(grant.issuingAccount)) && principal.kind === 'root';
  }

  /** Deletes a grant; kms:RevokeGrant on the key, by its policies. */
  async revoke(
    ctx: KmsContext,
    keyReference: string,
    grantId: string,
    options: { dryRun?: boolean } = {},
  ): Promise<void> {
    if (!isGrantId(grantId)) throw new KmsError('InvalidGrantIdException', `${grantId} is not a grant id`);
    const key = await this.keys.find(ctx.accountId, keyReference);
    await this.keys.authorizeOn(ctx, KmsActions.RevokeGrant, key, { reference: keyReference });
    const grant = await this.store.kms.getGrant(grantId);
    if (!grant || grant.keyId !== key.id) throw notFound(grantId);
    if (options.dryRun) throw dryRun();
    await this.store.kms.deleteGrant(grant.id);
  }
}

function ecrGrantName(repository: Repository): string {
  return `ecr-repository-${repository.id}`;
}

function notFound(grantId: string): KmsError {
  return new KmsError('NotFoundException', `Grant ID ${grantId} not found`);
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((item) => b.includes(item));
}

/** Constraints as stored: null when none; each map non-empty and within KMS's limits. */
function checkConstraints(constraints: KmsGrantConstraints | undefined): KmsGrantConstraints | null {
  const kept: KmsGrantConstraints = {};
  for (const field of ['encryptionContextSubset', 'encryptionContextEquals'] as const) {
    const map = constraints?.[field];
    if (map === undefined) continue;
    const pairs = Object.entries(map);
    if (
      pairs.length === 0 ||
      pairs.length > CONSTRAINT_LIMITS.pairs ||
      pairs.some(([, value]) => value.length > CONSTRAINT_LIMITS.valueLength)
    ) {
      throw new KmsError(
        'ValidationException',
        `a grant constraint holds 1 to ${CONSTRAINT_LIMITS.pairs} pairs, each value up to ${CONSTRAINT_LIMITS.valueLength} characters`,
      );
    }
    kept[field] = map;
  }
  return Object.keys(kept).length > 0 ? kept : null;
}
