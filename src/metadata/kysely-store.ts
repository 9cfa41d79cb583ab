// The metadata store over the query builder: one implementation of every index for all SQL
// backends. Adapters (sqlite.ts, postgres later) only open the connection and name the dialect.
import { Migrator, sql, type Kysely, type RawBuilder, type Selectable } from 'kysely';
import type { AccessKeysTable, Database, ManifestsTable, UploadsTable, UsersTable } from './schema.js';
import { migrationProvider } from './migrations.js';
import { KyselyImages } from './kysely-images.js';
import { Repositories, toRepository, type Ordered } from './kysely-repositories.js';
import { AccountSettings, ResourceTags } from './kysely-resource-tags.js';
import type {
  AccessKey, AccessKeyStatus, Account, AccountSettingIndex, BlobIndex, IdentityIndex, ImageIndex, Job, JobIndex, User, ManifestIndex, ManifestPutOutcome, ManifestRecord, MetadataStore,
  Page, RepositoryIndex, ResourceTagIndex, SettingsIndex, TagIndex, Upload, UploadIndex,
} from './store.js';

export interface KyselyStoreOptions {
  backend: string;
  /** Row locks that skip rows other transactions hold (PostgreSQL); SQLite serializes writers instead. */
  skipLocked: boolean;
  /** The collation that orders strings byte by byte ("ASCIIbetical"): BINARY on SQLite, "C" on PostgreSQL. */
  binaryCollation: string;
  /** Transaction-scoped advisory locks (PostgreSQL); SQLite serializes writers instead. */
  advisoryLocks: boolean;
}

type Db = Kysely<Database>;

function toManifest(row: Selectable<ManifestsTable>): ManifestRecord {
  return {
    repositoryId: row.repository_id,
    digest: row.digest,
    mediaType: row.media_type,
    size: Number(row.size),
    artifactType: row.artifact_type,
    subjectDigest: row.subject_digest,
    annotations: row.annotations ? (JSON.parse(row.annotations) as Record<string, string>) : null,
    createdAt: Number(row.created_at),
  };
}

function toUpload(row: Selectable<UploadsTable>): Upload {
  return { id: row.id, repositoryId: row.repository_id, createdAt: Number(row.created_at), updatedAt: Number(row.updated_at), verifiedDigest: row.verified_digest };
}

export async function migrate(db: Db): Promise<void> {
  const migrator = new Migrator({ db, provider: migrationProvider });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    throw new Error(`database migration ${failed ?? ''} failed: ${(error as Error).message ?? error}`);
  }
}

export class KyselyMetadataStore implements MetadataStore {
  readonly backend: string;
  readonly repositories: RepositoryIndex;
  readonly blobs: BlobIndex;
  readonly manifests: ManifestIndex;
  readonly tags: TagIndex;
  readonly images: ImageIndex;
  readonly uploads: UploadIndex;
  readonly settings: SettingsIndex;
  readonly resourceTags: ResourceTagIndex;
  readonly accountSettings: AccountSettingIndex;
  readonly jobs: JobIndex;
  readonly identities: IdentityIndex;

  constructor(private readonly db: Db, options: KyselyStoreOptions) {
    this.backend = options.backend;
    const ordered = (column: string): RawBuilder<string> => sql<string>`${sql.ref(column)} collate ${sql.raw(`"${options.binaryCollation}"`)}`;
    this.repositories = new Repositories(db, ordered);
    this.blobs = new Blobs(db);
    this.manifests = new Manifests(db);
    this.tags = new Tags(db, ordered);
    this.images = new KyselyImages(db, options.binaryCollation, toManifest);
    this.uploads = new Uploads(db);
    this.settings = new Settings(db);
    this.resourceTags = new ResourceTags(db, options.advisoryLocks);
    this.accountSettings = new AccountSettings(db);
    this.jobs = new Jobs(db, options.skipLocked);
    this.identities = new Identities(db);
  }

  async ping(): Promise<boolean> {
    try {
      await sql`select 1`.execute(this.db);
      return true;
    } catch {
      return false;
    }
  }

  close(): Promise<void> {
    return this.db.destroy();
  }
}

class Blobs implements BlobIndex {
  constructor(private readonly db: Db) {}

  async link(repositoryId: string, digest: string, size: number) {
    const now = Date.now();
    await this.db.transaction().execute(async (trx) => {
      await trx.insertInto('blobs').values({ digest, size, created_at: now }).onConflict((oc) => oc.column('digest').doNothing()).execute();
      await trx.insertInto('repository_blobs').values({ repository_id: repositoryId, digest, created_at: now })
        .onConflict((oc) => oc.columns(['repository_id', 'digest']).doNothing()).execute();
    });
  }

  async linkedSize(repositoryId: string, digest: string) {
    const row = await this.db.selectFrom('repository_blobs').innerJoin('blobs', 'blobs.digest', 'repository_blobs.digest')
      .select('blobs.size').where('repository_blobs.repository_id', '=', repositoryId).where('repository_blobs.digest', '=', digest)
      .executeTakeFirst();
    return row === undefined ? undefined : Number(row.size);
  }

  async unlink(repositoryId: string, digest: string) {
    const result = await this.db.deleteFrom('repository_blobs').where('repository_id', '=', repositoryId).where('digest', '=', digest).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async size(digest: string) {
    const row = await this.db.selectFrom('blobs').select('size').where('digest', '=', digest).executeTakeFirst();
    return row === undefined ? undefined : Number(row.size);
  }

  async repositoriesWith(digest: string, limit: number) {
    const rows = await this.db.selectFrom('repository_blobs').innerJoin('repositories', 'repositories.id', 'repository_blobs.repository_id')
      .selectAll('repositories')
      .where('repository_blobs.digest', '=', digest).orderBy('repository_blobs.created_at').orderBy('repositories.name').limit(limit).execute();
    return rows.map(toRepository);
  }
}

/** Rolls back a manifest put that would move an immutable tag. */
class ImmutableTagConflict extends Error {
  constructor(readonly tag: string) {
    super(`tag ${tag} is immutable`);
  }
}

class Manifests implements ManifestIndex {
  constructor(private readonly db: Db) {}

  async get(repositoryId: string, digest: string) {
    const row = await this.db.selectFrom('manifests').selectAll().where('repository_id', '=', repositoryId).where('digest', '=', digest).executeTakeFirst();
    return row && toManifest(row);
  }

  async put(record: ManifestRecord, references: string[], tags: string[], immutableTags: string[] = []): Promise<ManifestPutOutcome> {
    const immutable = new Set(immutableTags);
    try {
      await this.db.transaction().execute(async (trx) => {
        await trx.insertInto('manifests').values({
          repository_id: record.repositoryId,
          digest: record.digest,
          media_type: record.mediaType,
          size: record.size,
          artifact_type: record.artifactType,
          subject_digest: record.subjectDigest,
          annotations: record.annotations ? JSON.stringify(record.annotations) : null,
          created_at: record.createdAt,
        }).onConflict((oc) => oc.columns(['repository_id', 'digest']).doNothing()).execute();
        const unique = [...new Set(references)];
        if (unique.length > 0) {
          await trx.insertInto('manifest_references')
            .values(unique.map((child) => ({ repository_id: record.repositoryId, manifest_digest: record.digest, child_digest: child })))
            .onConflict((oc) => oc.columns(['repository_id', 'manifest_digest', 'child_digest']).doNothing()).execute();
        }
        for (const tag of new Set(tags)) {
          const row = { repository_id: record.repositoryId, name: tag, manifest_digest: record.digest, updated_at: record.createdAt };
          if (!immutable.has(tag)) {
            await trx.insertInto('tags').values(row)
              .onConflict((oc) => oc.columns(['repository_id', 'name']).doUpdateSet({ manifest_digest: record.digest, updated_at: record.createdAt }))
              .execute();
            continue;
          }
          // Insert-or-nothing, then read: a concurrent writer of the same tag is waited for
          // (PostgreSQL) or serialized (SQLite), so the tag read is the one that stays.
          await trx.insertInto('tags').values(row).onConflict((oc) => oc.columns(['repository_id', 'name']).doNothing()).execute();
          const current = await trx.selectFrom('tags').select('manifest_digest').where('repository_id', '=', record.repositoryId).where('name', '=', tag).executeTakeFirst();
          if (current && current.manifest_digest !== record.digest) throw new ImmutableTagConflict(tag);
        }
      });
      return { stored: true };
    } catch (err) {
      if (err instanceof ImmutableTagConflict) return { stored: false, immutableTag: err.tag };
      throw err;
    }
  }

  async delete(repositoryId: string, digest: string) {
    return this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('tags').where('repository_id', '=', repositoryId).where('manifest_digest', '=', digest).execute();
      await trx.deleteFrom('manifest_references').where('repository_id', '=', repositoryId).where('manifest_digest', '=', digest).execute();
      const result = await trx.deleteFrom('manifests').where('repository_id', '=', repositoryId).where('digest', '=', digest).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    });
  }

  async referrers(repositoryId: string, subjectDigest: string, artifactType?: string) {
    let query = this.db.selectFrom('manifests').selectAll().where('repository_id', '=', repositoryId).where('subject_digest', '=', subjectDigest);
    if (artifactType !== undefined) query = query.where('artifact_type', '=', artifactType);
    const rows = await query.orderBy('created_at').orderBy('digest').execute();
    return rows.map(toManifest);
  }

  async existing(repositoryId: string, digests: string[]) {
    if (digests.length === 0) return new Set<string>();
    const rows = await this.db.selectFrom('manifests').select('digest').where('repository_id', '=', repositoryId).where('digest', 'in', digests).execute();
    return new Set(rows.map((r) => r.digest));
  }
}

class Tags implements TagIndex {
  constructor(private readonly db: Db, private readonly ordered: Ordered) {}

  async resolve(repositoryId: string, tag: string) {
    const row = await this.db.selectFrom('tags')
      .innerJoin('manifests', (join) => join.onRef('manifests.repository_id', '=', 'tags.repository_id').onRef('manifests.digest', '=', 'tags.manifest_digest'))
      .selectAll('manifests').where('tags.repository_id', '=', repositoryId).where('tags.name', '=', tag).executeTakeFirst();
    return row && toManifest(row);
  }

  async list(repositoryId: string, page: Page) {
    let query = this.db.selectFrom('tags').select('name').where('repository_id', '=', repositoryId);
    if (page.last !== undefined) query = query.where(this.ordered('name'), '>', page.last);
    const rows = await query.orderBy(this.ordered('name')).limit(page.limit).execute();
    return rows.map((r) => r.name);
  }

  async delete(repositoryId: string, tag: string) {
    const result = await this.db.deleteFrom('tags').where('repository_id', '=', repositoryId).where('name', '=', tag).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }
}

class Uploads implements UploadIndex {
  constructor(private readonly db: Db) {}

  async create(upload: Omit<Upload, 'verifiedDigest'>) {
    await this.db.insertInto('uploads').values({ id: upload.id, repository_id: upload.repositoryId, created_at: upload.createdAt, updated_at: upload.updatedAt, verified_digest: null }).execute();
  }

  async get(id: string) {
    const row = await this.db.selectFrom('uploads').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toUpload(row);
  }

  async markVerified(id: string, digest: string) {
    await this.db.updateTable('uploads').set({ verified_digest: digest }).where('id', '=', id).execute();
  }

  async touch(id: string, at: number) {
    await this.db.updateTable('uploads').set({ updated_at: at }).where('id', '=', id).execute();
  }

  async delete(id: string) {
    const result = await this.db.deleteFrom('uploads').where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async stale(before: number, limit: number) {
    const rows = await this.db.selectFrom('uploads').selectAll().where('updated_at', '<', before).orderBy('updated_at').limit(limit).execute();
    return rows.map(toUpload);
  }
}

class Settings implements SettingsIndex {
  constructor(private readonly db: Db) {}

  async get(key: string) {
    const row = await this.db.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirst();
    return row?.value;
  }

  async setIfAbsent(key: string, value: string) {
    await this.db.insertInto('settings').values({ key, value }).onConflict((oc) => oc.column('key').doNothing()).execute();
    return (await this.get(key)) ?? value;
  }
}

class Jobs implements JobIndex {
  constructor(private readonly db: Db, private readonly skipLocked: boolean) {}

  async ensure(name: string, firstRunAt: number) {
    await this.db.insertInto('jobs').values({ name, next_run_at: firstRunAt, locked_by: null, locked_until: null, last_run_at: null, last_error: null })
      .onConflict((oc) => oc.column('name').doNothing()).execute();
  }

  async claim(node: string, now: number, leaseUntil: number) {
    let due = this.db.selectFrom('jobs').select('name')
      .where('next_run_at', '<=', now)
      .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<', now)]))
      .orderBy('next_run_at').limit(1);
    if (this.skipLocked) due = due.forUpdate().skipLocked();
    // One statement: the row is leased only if it was still due and free when updated.
    const row = await this.db.updateTable('jobs').set({ locked_by: node, locked_until: leaseUntil })
      .where('name', '=', due)
      .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<', now)]))
      .returning('name').executeTakeFirst();
    return row?.name;
  }

  async complete(name: string, node: string, at: number, nextRunAt: number, error: string | null) {
    await this.db.updateTable('jobs')
      .set({ locked_by: null, locked_until: null, last_run_at: at, next_run_at: nextRunAt, last_error: error })
      .where('name', '=', name).where('locked_by', '=', node).execute();
  }

  async get(name: string): Promise<Job | undefined> {
    const row = await this.db.selectFrom('jobs').selectAll().where('name', '=', name).executeTakeFirst();
    return row && {
      name: row.name,
      nextRunAt: Number(row.next_run_at),
      lockedBy: row.locked_by,
      lockedUntil: row.locked_until === null ? null : Number(row.locked_until),
      lastRunAt: row.last_run_at === null ? null : Number(row.last_run_at),
      lastError: row.last_error,
    };
  }
}

function toUser(row: Selectable<UsersTable>): User {
  return { id: row.id, accountId: row.account_id, name: row.name, kind: row.kind, arn: row.arn, createdAt: Number(row.created_at) };
}

function toAccessKey(row: Selectable<AccessKeysTable>): AccessKey {
  return {
    id: row.id, userId: row.user_id, secretCiphertext: row.secret_ciphertext, status: row.status,
    createdAt: Number(row.created_at), lastUsedAt: row.last_used_at === null ? null : Number(row.last_used_at),
  };
}

class Identities implements IdentityIndex {
  constructor(private readonly db: Db) {}

  async ensureAccount(id: string, at: number): Promise<Account> {
    await this.db.insertInto('accounts').values({ id, created_at: at }).onConflict((oc) => oc.column('id').doNothing()).execute();
    return (await this.getAccount(id))!;
  }

  async getAccount(id: string) {
    const row = await this.db.selectFrom('accounts').selectAll().where('id', '=', id).executeTakeFirst();
    return row && { id: row.id, createdAt: Number(row.created_at) };
  }

  async listAccounts() {
    const rows = await this.db.selectFrom('accounts').selectAll().orderBy('id').execute();
    return rows.map((row) => ({ id: row.id, createdAt: Number(row.created_at) }));
  }

  async createUser(user: User) {
    const result = await this.db.insertInto('users')
      .values({ id: user.id, account_id: user.accountId, name: user.name, kind: user.kind, arn: user.arn, created_at: user.createdAt })
      .onConflict((oc) => oc.columns(['account_id', 'name']).doNothing()).executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  async getUser(id: string) {
    const row = await this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toUser(row);
  }

  async getUserByName(accountId: string, name: string) {
    const row = await this.db.selectFrom('users').selectAll().where('account_id', '=', accountId).where('name', '=', name).executeTakeFirst();
    return row && toUser(row);
  }

  async listUsers(accountId: string) {
    const rows = await this.db.selectFrom('users').selectAll().where('account_id', '=', accountId).orderBy('name').execute();
    return rows.map(toUser);
  }

  async deleteUser(id: string) {
    return this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('access_keys').where('user_id', '=', id).execute();
      const result = await trx.deleteFrom('users').where('id', '=', id).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    });
  }

  async createAccessKey(key: AccessKey) {
    await this.db.insertInto('access_keys').values({
      id: key.id, user_id: key.userId, secret_ciphertext: key.secretCiphertext, status: key.status, created_at: key.createdAt, last_used_at: key.lastUsedAt,
    }).execute();
  }

  async getAccessKey(id: string) {
    const key = await this.db.selectFrom('access_keys').selectAll().where('id', '=', id).executeTakeFirst();
    if (!key) return undefined;
    const user = await this.getUser(key.user_id);
    return user && { key: toAccessKey(key), user };
  }

  async listAccessKeys(userId: string) {
    const rows = await this.db.selectFrom('access_keys').selectAll().where('user_id', '=', userId).orderBy('created_at').execute();
    return rows.map(toAccessKey);
  }

  async setAccessKeyStatus(id: string, status: AccessKeyStatus) {
    const result = await this.db.updateTable('access_keys').set({ status }).where('id', '=', id).executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async deleteAccessKey(id: string) {
    const result = await this.db.deleteFrom('access_keys').where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async touchAccessKey(id: string, at: number) {
    await this.db.updateTable('access_keys').set({ last_used_at: at }).where('id', '=', id).execute();
  }
}
