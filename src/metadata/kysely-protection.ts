// Deletion protections over the query builder (part of kysely-store.ts). The whole repository's
// protection is the row with the empty pattern.
import type { Kysely } from 'kysely';
import type { DeletionProtection } from '../domain/records/protection.js';
import { inRepository } from './kysely-conflicts.js';
import type { Ordered } from './kysely-repositories.js';
import type { Database } from './schema.js';
import type { ProtectionIndex } from './store-protection.js';

type Db = Kysely<Database>;

const column = (tagPattern: string | null): string => tagPattern ?? '';

interface Row {
  repository_id: string;
  name: string;
  tag_pattern: string;
  created_at: number;
  created_by: string | null;
}

function toProtection(row: Row): DeletionProtection {
  return {
    repositoryId: row.repository_id,
    repositoryName: row.name,
    tagPattern: row.tag_pattern === '' ? null : row.tag_pattern,
    createdAt: Number(row.created_at),
    createdBy: row.created_by,
  };
}

export class Protections implements ProtectionIndex {
  constructor(
    private readonly db: Db,
    private readonly ordered: Ordered,
  ) {}

  async add(repositoryId: string, tagPattern: string | null, createdAt: number, createdBy: string | null) {
    const result = await inRepository(this.db, repositoryId, () =>
      this.db
        .insertInto('deletion_protections')
        .values({
          repository_id: repositoryId,
          tag_pattern: column(tagPattern),
          created_at: createdAt,
          created_by: createdBy,
        })
        .onConflict((oc) => oc.columns(['repository_id', 'tag_pattern']).doNothing())
        .executeTakeFirst(),
    );
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  async remove(repositoryId: string, tagPattern: string | null) {
    const result = await this.db
      .deleteFrom('deletion_protections')
      .where('repository_id', '=', repositoryId)
      .where('tag_pattern', '=', column(tagPattern))
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async forRepository(repositoryId: string) {
    const rows = await this.query()
      .where('deletion_protections.repository_id', '=', repositoryId)
      .orderBy(this.ordered('deletion_protections.tag_pattern'))
      .execute();
    return rows.map(toProtection);
  }

  async list(registryKey: string) {
    const rows = await this.query()
      .where('repositories.account_id', '=', registryKey)
      .orderBy(this.ordered('repositories.name'))
      .orderBy(this.ordered('deletion_protections.tag_pattern'))
      .execute();
    return rows.map(toProtection);
  }

  private query() {
    return this.db
      .selectFrom('deletion_protections')
      .innerJoin('repositories', 'repositories.id', 'deletion_protections.repository_id')
      .select([
        'deletion_protections.repository_id',
        'repositories.name',
        'deletion_protections.tag_pattern',
        'deletion_protections.created_at',
        'deletion_protections.created_by',
      ]);
  }
}
