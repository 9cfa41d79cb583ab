// The policy index over the query builder: repository and registry policies, inline policies,
// customer managed policies and their attachments.
import type { Kysely, Selectable } from 'kysely';
import type { Database, ManagedPoliciesTable } from './schema.js';
import type { ManagedPolicyRecord, PolicyOwner, StoredPolicy } from '../domain/records/policies.js';
import type { PolicyIndex } from './store.js';

type Db = Kysely<Database>;

function toManaged(row: Selectable<ManagedPoliciesTable>): ManagedPolicyRecord {
  return {
    arn: row.arn,
    id: row.id,
    accountId: row.account_id,
    name: row.name,
    path: row.path,
    description: row.description,
    policyText: row.policy_text,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

const byName = (a: { name: string }, b: { name: string }) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

export class Policies implements PolicyIndex {
  constructor(private readonly db: Db) {}

  async getRepositoryPolicy(repositoryId: string) {
    const row = await this.db
      .selectFrom('repository_policies')
      .select('policy_text')
      .where('repository_id', '=', repositoryId)
      .executeTakeFirst();
    return row?.policy_text;
  }

  async setRepositoryPolicy(repositoryId: string, policyText: string, at: number) {
    return this.db.transaction().execute(async (trx) => {
      const repository = await trx
        .selectFrom('repositories')
        .select('id')
        .where('id', '=', repositoryId)
        .executeTakeFirst();
      if (!repository) return false;
      await trx
        .insertInto('repository_policies')
        .values({ repository_id: repositoryId, policy_text: policyText, updated_at: at })
        .onConflict((oc) => oc.column('repository_id').doUpdateSet({ policy_text: policyText, updated_at: at }))
        .execute();
      return true;
    });
  }

  async deleteRepositoryPolicy(repositoryId: string) {
    const row = await this.db
      .deleteFrom('repository_policies')
      .where('repository_id', '=', repositoryId)
      .returning('policy_text')
      .executeTakeFirst();
    return row?.policy_text;
  }

  async getRegistryPolicy(accountId: string) {
    const row = await this.db
      .selectFrom('registry_policies')
      .select('policy_text')
      .where('account_id', '=', accountId)
      .executeTakeFirst();
    return row?.policy_text;
  }

  async putRegistryPolicy(accountId: string, policyText: string, at: number) {
    await this.db
      .insertInto('registry_policies')
      .values({ account_id: accountId, policy_text: policyText, updated_at: at })
      .onConflict((oc) => oc.column('account_id').doUpdateSet({ policy_text: policyText, updated_at: at }))
      .execute();
  }

  async deleteRegistryPolicy(accountId: string) {
    const row = await this.db
      .deleteFrom('registry_policies')
      .where('account_id', '=', accountId)
      .returning('policy_text')
      .executeTakeFirst();
    return row?.policy_text;
  }

  async putInlinePolicy(owner: PolicyOwner, name: string, policyText: string) {
    await this.db
      .insertInto('inline_policies')
      .values({ owner_type: owner.type, owner_id: owner.id, name, policy_text: policyText })
      .onConflict((oc) => oc.columns(['owner_type', 'owner_id', 'name']).doUpdateSet({ policy_text: policyText }))
      .execute();
  }

  async getInlinePolicy(owner: PolicyOwner, name: string) {
    const row = await this.db
      .selectFrom('inline_policies')
      .select('policy_text')
      .where('owner_type', '=', owner.type)
      .where('owner_id', '=', owner.id)
      .where('name', '=', name)
      .executeTakeFirst();
    return row?.policy_text;
  }

  async listInlinePolicies(owner: PolicyOwner) {
    const rows = await this.db
      .selectFrom('inline_policies')
      .select(['name', 'policy_text'])
      .where('owner_type', '=', owner.type)
      .where('owner_id', '=', owner.id)
      .execute();
    return rows.map((r) => ({ name: r.name, policyText: r.policy_text })).sort(byName);
  }

  async deleteInlinePolicy(owner: PolicyOwner, name: string) {
    const result = await this.db
      .deleteFrom('inline_policies')
      .where('owner_type', '=', owner.type)
      .where('owner_id', '=', owner.id)
      .where('name', '=', name)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async createManagedPolicy(policy: ManagedPolicyRecord) {
    const result = await this.db
      .insertInto('managed_policies')
      .values({
        arn: policy.arn,
        id: policy.id,
        account_id: policy.accountId,
        name: policy.name,
        path: policy.path,
        description: policy.description,
        policy_text: policy.policyText,
        created_at: policy.createdAt,
        updated_at: policy.updatedAt,
      })
      .onConflict((oc) => oc.doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  async getManagedPolicy(arn: string) {
    const row = await this.db.selectFrom('managed_policies').selectAll().where('arn', '=', arn).executeTakeFirst();
    return row && toManaged(row);
  }

  async listManagedPolicies(accountId: string) {
    const rows = await this.db.selectFrom('managed_policies').selectAll().where('account_id', '=', accountId).execute();
    return rows.map(toManaged).sort(byName);
  }

  async deleteManagedPolicy(arn: string): Promise<'deleted' | 'missing' | 'attached'> {
    return this.db.transaction().execute(async (trx) => {
      const attached = await trx
        .selectFrom('policy_attachments')
        .select('policy_arn')
        .where('policy_arn', '=', arn)
        .executeTakeFirst();
      if (attached)
        return (await trx.selectFrom('managed_policies').select('arn').where('arn', '=', arn).executeTakeFirst())
          ? 'attached'
          : 'missing';
      const result = await trx.deleteFrom('managed_policies').where('arn', '=', arn).executeTakeFirst();
      return Number(result.numDeletedRows) > 0 ? 'deleted' : 'missing';
    });
  }

  async attachPolicy(owner: PolicyOwner, policyArn: string) {
    const result = await this.db
      .insertInto('policy_attachments')
      .values({ owner_type: owner.type, owner_id: owner.id, policy_arn: policyArn })
      .onConflict((oc) => oc.doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  async detachPolicy(owner: PolicyOwner, policyArn: string) {
    const result = await this.db
      .deleteFrom('policy_attachments')
      .where('owner_type', '=', owner.type)
      .where('owner_id', '=', owner.id)
      .where('policy_arn', '=', policyArn)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async listAttachedPolicies(owner: PolicyOwner) {
    const rows = await this.db
      .selectFrom('policy_attachments')
      .select('policy_arn')
      .where('owner_type', '=', owner.type)
      .where('owner_id', '=', owner.id)
      .execute();
    return rows.map((r) => r.policy_arn).sort();
  }

  async attachmentCount(policyArn: string, accountId?: string) {
    let query = this.db
      .selectFrom('policy_attachments')
      .select((eb) => eb.fn.countAll<string | number>().as('n'))
      .where('policy_arn', '=', policyArn);
    if (accountId !== undefined) {
      query = query.where((eb) =>
        eb.or([
          eb.and([
            eb('owner_type', '=', 'user'),
            eb('owner_id', 'in', eb.selectFrom('users').select('id').where('account_id', '=', accountId)),
          ]),
          eb.and([
            eb('owner_type', '=', 'role'),
            eb('owner_id', 'in', eb.selectFrom('roles').select('id').where('account_id', '=', accountId)),
          ]),
        ]),
      );
    }
    const row = await query.executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  async deleteOwner(owner: PolicyOwner) {
    await this.db.transaction().execute(async (trx) => {
      await trx
        .deleteFrom('inline_policies')
        .where('owner_type', '=', owner.type)
        .where('owner_id', '=', owner.id)
        .execute();
      await trx
        .deleteFrom('policy_attachments')
        .where('owner_type', '=', owner.type)
        .where('owner_id', '=', owner.id)
        .execute();
    });
  }

  async identityPolicies(owner: PolicyOwner) {
    const [inline, attached] = await Promise.all([
      this.listInlinePolicies(owner),
      this.db
        .selectFrom('policy_attachments')
        .leftJoin('managed_policies', 'managed_policies.arn', 'policy_attachments.policy_arn')
        .select(['policy_attachments.policy_arn as arn', 'managed_policies.policy_text as text'])
        .where('policy_attachments.owner_type', '=', owner.type)
        .where('policy_attachments.owner_id', '=', owner.id)
        .execute(),
    ]);
    const policies: StoredPolicy[] = [...inline];
    const otherArns: string[] = [];
    for (const row of attached.sort((a, b) => (a.arn < b.arn ? -1 : 1))) {
      if (row.text === null || row.text === undefined) otherArns.push(row.arn);
      else policies.push({ name: row.arn, policyText: row.text });
    }
    return { policies, otherArns };
  }
}
