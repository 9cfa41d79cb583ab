// The signing index over the query builder (part of kysely-store.ts): rules and key lists as
// JSON, statuses upserted by their key.
import type { Kysely, Selectable, Transaction } from 'kysely';
import type {
  ImageSigningRecord,
  SignatureRequirement,
  SigningRule,
  SigningStatus,
} from '../domain/records/signing.js';
import type { Database, ImageSigningStatusesTable, SignatureRequirementsTable } from './schema.js';
import type { SigningIndex } from './store-signing.js';

type Db = Kysely<Database>;

/** Writes signing statuses, each replacing the one of its image and profile (a push's, in its own transaction). */
export async function upsertSigningStatuses(
  db: Db | Transaction<Database>,
  records: ImageSigningRecord[],
): Promise<void> {
  for (const r of records) {
    const changes = {
      account_id: r.accountId,
      repository_name: r.repositoryName,
      key_arn: r.keyArn,
      status: r.status,
      failure_code: r.failureCode,
      failure_reason: r.failureReason,
      signature_digest: r.signatureDigest,
      updated_at: r.updatedAt,
    };
    await db
      .insertInto('image_signing_statuses')
      .values({
        repository_id: r.repositoryId,
        digest: r.digest,
        signing_profile_arn: r.signingProfileArn,
        ...changes,
      })
      .onConflict((oc) => oc.columns(['repository_id', 'digest', 'signing_profile_arn']).doUpdateSet(changes))
      .execute();
  }
}

function toStatus(row: Selectable<ImageSigningStatusesTable>): ImageSigningRecord {
  return {
    accountId: row.account_id,
    repositoryId: row.repository_id,
    repositoryName: row.repository_name,
    digest: row.digest,
    signingProfileArn: row.signing_profile_arn,
    keyArn: row.key_arn,
    status: row.status as SigningStatus,
    failureCode: row.failure_code,
    failureReason: row.failure_reason,
    signatureDigest: row.signature_digest,
    updatedAt: Number(row.updated_at),
  };
}

function toRequirement(row: Selectable<SignatureRequirementsTable>): SignatureRequirement {
  return {
    accountId: row.account_id,
    repositoryId: row.repository_id,
    keyArns: JSON.parse(row.key_arns) as string[],
    updatedAt: Number(row.updated_at),
  };
}

export class KyselySigning implements SigningIndex {
  constructor(private readonly db: Db) {}

  async configuration(accountId: string) {
    const row = await this.db
      .selectFrom('signing_configurations')
      .select('rules')
      .where('account_id', '=', accountId)
      .executeTakeFirst();
    return row && (JSON.parse(row.rules) as SigningRule[]);
  }

  async putConfiguration(accountId: string, rules: SigningRule[], at: number) {
    const json = JSON.stringify(rules);
    await this.db
      .insertInto('signing_configurations')
      .values({ account_id: accountId, rules: json, updated_at: at })
      .onConflict((oc) => oc.column('account_id').doUpdateSet({ rules: json, updated_at: at }))
      .execute();
  }

  async deleteConfiguration(accountId: string) {
    const rules = await this.configuration(accountId);
    if (rules) await this.db.deleteFrom('signing_configurations').where('account_id', '=', accountId).execute();
    return rules;
  }

  async putStatuses(records: ImageSigningRecord[]) {
    await upsertSigningStatuses(this.db, records);
  }

  async statuses(repositoryId: string, digest: string) {
    const rows = await this.db
      .selectFrom('image_signing_statuses')
      .selectAll()
      .where('repository_id', '=', repositoryId)
      .where('digest', '=', digest)
      .orderBy('signing_profile_arn')
      .execute();
    return rows.map(toStatus);
  }

  async pending(before: number, limit: number) {
    const rows = await this.db
      .selectFrom('image_signing_statuses')
      .selectAll()
      .where('status', '=', 'IN_PROGRESS')
      .where('updated_at', '<=', before)
      .orderBy('updated_at')
      .orderBy('repository_id')
      .orderBy('digest')
      .limit(limit)
      .execute();
    return rows.map(toStatus);
  }

  async requirement(repositoryId: string) {
    const row = await this.db
      .selectFrom('signature_requirements')
      .selectAll()
      .where('repository_id', '=', repositoryId)
      .executeTakeFirst();
    return row && toRequirement(row);
  }

  async putRequirement(r: SignatureRequirement) {
    const changes = { account_id: r.accountId, key_arns: JSON.stringify(r.keyArns), updated_at: r.updatedAt };
    await this.db
      .insertInto('signature_requirements')
      .values({ repository_id: r.repositoryId, ...changes })
      .onConflict((oc) => oc.column('repository_id').doUpdateSet(changes))
      .execute();
  }

  async deleteRequirement(repositoryId: string) {
    const result = await this.db
      .deleteFrom('signature_requirements')
      .where('repository_id', '=', repositoryId)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async requirements(accountId: string) {
    const rows = await this.db
      .selectFrom('signature_requirements')
      .selectAll()
      .where('account_id', '=', accountId)
      .orderBy('repository_id')
      .execute();
    return rows.map(toRequirement);
  }
}
