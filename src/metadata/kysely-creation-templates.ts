// Repository creation templates over the query builder (part of kysely-store.ts).
import type { Kysely, Selectable } from 'kysely';
import type {
  CreationReason,
  CreationTemplate,
  CreationTemplateSettings,
} from '../domain/records/creation-templates.js';
import type { EncryptionType } from '../domain/records/repositories.js';
import type { ResourceTag } from '../domain/resource-tags.js';
import type { ImageTagMutability, TagMutabilityFilter } from '../domain/tag-mutability.js';
import type { Ordered } from './kysely-repositories.js';
import type { Database, RepositoryCreationTemplatesTable } from './schema.js';
import type { CreationTemplateIndex } from './store.js';

type Db = Kysely<Database>;

function toTemplate(row: Selectable<RepositoryCreationTemplatesTable>): CreationTemplate {
  return {
    accountId: row.account_id,
    prefix: row.prefix,
    description: row.description,
    encryptionType: row.encryption_type as EncryptionType,
    kmsKey: row.kms_key,
    resourceTags: JSON.parse(row.resource_tags) as ResourceTag[],
    imageTagMutability: row.image_tag_mutability as ImageTagMutability,
    imageTagMutabilityExclusionFilters: row.tag_mutability_exclusions
      ? (JSON.parse(row.tag_mutability_exclusions) as TagMutabilityFilter[])
      : [],
    repositoryPolicy: row.repository_policy,
    lifecyclePolicy: row.lifecycle_policy,
    appliedFor: JSON.parse(row.applied_for) as CreationReason[],
    customRoleArn: row.custom_role_arn,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

function settingsColumns(settings: CreationTemplateSettings) {
  const filters = settings.imageTagMutabilityExclusionFilters;
  return {
    description: settings.description,
    encryption_type: settings.encryptionType,
    kms_key: settings.kmsKey,
    resource_tags: JSON.stringify(settings.resourceTags.map((t) => ({ key: t.key, value: t.value }))),
    image_tag_mutability: settings.imageTagMutability,
    tag_mutability_exclusions:
      filters.length > 0 ? JSON.stringify(filters.map((f) => ({ filterType: f.filterType, filter: f.filter }))) : null,
    repository_policy: settings.repositoryPolicy,
    lifecycle_policy: settings.lifecyclePolicy,
    applied_for: JSON.stringify(settings.appliedFor),
    custom_role_arn: settings.customRoleArn,
  };
}

export class CreationTemplates implements CreationTemplateIndex {
  constructor(
    private readonly db: Db,
    private readonly ordered: Ordered,
  ) {}

  async create(template: CreationTemplate) {
    const result = await this.db
      .insertInto('repository_creation_templates')
      .values({
        account_id: template.accountId,
        prefix: template.prefix,
        ...settingsColumns(template),
        created_at: template.createdAt,
        updated_at: template.updatedAt,
      })
      .onConflict((oc) => oc.columns(['account_id', 'prefix']).doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  async get(accountId: string, prefix: string) {
    const row = await this.db
      .selectFrom('repository_creation_templates')
      .selectAll()
      .where('account_id', '=', accountId)
      .where('prefix', '=', prefix)
      .executeTakeFirst();
    return row && toTemplate(row);
  }

  async update(accountId: string, prefix: string, settings: CreationTemplateSettings, at: number) {
    const row = await this.db
      .updateTable('repository_creation_templates')
      .set({ ...settingsColumns(settings), updated_at: at })
      .where('account_id', '=', accountId)
      .where('prefix', '=', prefix)
      .returningAll()
      .executeTakeFirst();
    return row && toTemplate(row);
  }

  async delete(accountId: string, prefix: string) {
    const row = await this.db
      .deleteFrom('repository_creation_templates')
      .where('account_id', '=', accountId)
      .where('prefix', '=', prefix)
      .returningAll()
      .executeTakeFirst();
    return row && toTemplate(row);
  }

  async list(accountId: string, page: { last?: string; limit: number; prefixes?: string[] }) {
    if (page.prefixes?.length === 0) return [];
    let query = this.db.selectFrom('repository_creation_templates').selectAll().where('account_id', '=', accountId);
    if (page.prefixes) query = query.where('prefix', 'in', page.prefixes);
    if (page.last !== undefined) query = query.where(this.ordered('prefix'), '>', page.last);
    const rows = await query.orderBy(this.ordered('prefix')).limit(page.limit).execute();
    return rows.map(toTemplate);
  }

  async count(accountId: string) {
    const row = await this.db
      .selectFrom('repository_creation_templates')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('account_id', '=', accountId)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }
}
