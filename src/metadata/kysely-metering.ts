// Metering's transfer counts and storage samples over the query builder (part of kysely-store.ts).
import { createHash } from 'node:crypto';
import { type Kysely, type Selectable, sql } from 'kysely';
import type { BlobLinkFact, RepositoryCounts, StorageSample, TransferCount } from '../domain/records/metering.js';
import type { Database, MeteringStorageTable } from './schema.js';
import type { MeteringIndex, MeteringRange } from './store.js';

type Db = Kysely<Database>;

/** Rows per insert statement (well under PostgreSQL's and SQLite's bound-parameter limits). */
const BATCH = 200;

function series(count: TransferCount): string {
  return createHash('sha256')
    .update(
      JSON.stringify([
        count.accountId,
        count.repositoryId,
        count.repositoryName,
        count.listener,
        count.endpoint,
        count.principal,
      ]),
    )
    .digest('hex');
}

function toSample(row: Selectable<MeteringStorageTable>): StorageSample {
  return {
    sampledAt: Number(row.sampled_at),
    accountId: row.account_id,
    repositoryId: row.repository_id,
    repositoryName: row.repository_name,
    physicalBytes: Number(row.physical_bytes),
    sharedBytes: Number(row.shared_bytes),
    attributedBytes: Number(row.attributed_bytes),
    archiveBytes: Number(row.archive_bytes),
    imageCount: Number(row.image_count),
    tagCount: Number(row.tag_count),
  };
}

export class KyselyMetering implements MeteringIndex {
  constructor(private readonly db: Db) {}

  async addTransfer(counts: readonly TransferCount[]): Promise<void> {
    if (counts.length === 0) return;
    await this.db.transaction().execute(async (trx) => {
      for (let i = 0; i < counts.length; i += BATCH) {
        await trx
          .insertInto('metering_transfer')
          .values(
            counts.slice(i, i + BATCH).map((c) => ({
              node: c.node,
              hour: c.hour,
              series: series(c),
              account_id: c.accountId,
              repository_id: c.repositoryId,
              repository_name: c.repositoryName,
              listener: c.listener,
              endpoint: c.endpoint,
              principal: c.principal,
              bytes: c.bytes,
              requests: c.requests,
            })),
          )
          .onConflict((oc) =>
            oc.columns(['node', 'hour', 'series']).doUpdateSet((eb) => ({
              bytes: eb(eb.ref('metering_transfer.bytes'), '+', eb.ref('excluded.bytes')),
              requests: eb(eb.ref('metering_transfer.requests'), '+', eb.ref('excluded.requests')),
            })),
          )
          .execute();
      }
    });
  }

  async transfer(range: MeteringRange): Promise<TransferCount[]> {
    let query = this.db
      .selectFrom('metering_transfer')
      .select([
        'hour',
        'account_id',
        'repository_id',
        'repository_name',
        'listener',
        'endpoint',
        'principal',
        (eb) => eb.fn.sum<number>('bytes').as('bytes'),
        (eb) => eb.fn.sum<number>('requests').as('requests'),
      ])
      .where('hour', '>=', range.from)
      .where('hour', '<', range.to)
      .groupBy(['hour', 'account_id', 'repository_id', 'repository_name', 'listener', 'endpoint', 'principal'])
      .orderBy('hour');
    if (range.accountIds) {
      if (range.accountIds.length === 0) return [];
      query = query.where('account_id', 'in', [...range.accountIds]);
    }
    if (range.repositoryId !== undefined) query = query.where('repository_id', '=', range.repositoryId);
    const rows = await query.execute();
    return rows.map((r) => ({
      node: '',
      hour: Number(r.hour),
      accountId: r.account_id,
      repositoryId: r.repository_id,
      repositoryName: r.repository_name,
      listener: r.listener,
      endpoint: r.endpoint,
      principal: r.principal,
      bytes: Number(r.bytes),
      requests: Number(r.requests),
    }));
  }

  async registryKeys(): Promise<string[]> {
    const rows = await this.db.selectFrom('repositories').select('account_id').distinct().execute();
    return rows.map((r) => r.account_id).sort();
  }

  async blobLinks(accountId: string): Promise<BlobLinkFact[]> {
    const rows = await this.db
      .selectFrom('repository_blobs as rb')
      .innerJoin('repositories as r', 'r.id', 'rb.repository_id')
      .innerJoin('blobs as b', 'b.digest', 'rb.digest')
      .leftJoin('manifest_references as mr', (join) =>
        join.onRef('mr.repository_id', '=', 'rb.repository_id').onRef('mr.child_digest', '=', 'rb.digest'),
      )
      .leftJoin('manifests as m', (join) =>
        join.onRef('m.repository_id', '=', 'mr.repository_id').onRef('m.digest', '=', 'mr.manifest_digest'),
      )
      .select([
        'rb.repository_id',
        'r.name',
        'rb.digest',
        'b.size',
        sql<number>`sum(case when m.digest is not null and m.image_status = 'ARCHIVED' then 1 else 0 end)`.as(
          'archived',
        ),
        sql<number>`sum(case when m.digest is not null and (m.image_status is null or m.image_status <> 'ARCHIVED') then 1 else 0 end)`.as(
          'active',
        ),
      ])
      .where('r.account_id', '=', accountId)
      .groupBy(['rb.repository_id', 'r.name', 'rb.digest', 'b.size'])
      .execute();
    return rows.map((r) => ({
      repositoryId: r.repository_id,
      repositoryName: r.name,
      digest: r.digest,
      size: Number(r.size),
      activeRefs: Number(r.active),
      archivedRefs: Number(r.archived),
    }));
  }

  async repositoryCounts(accountId: string): Promise<RepositoryCounts[]> {
    const rows = await this.db
      .selectFrom('repositories as r')
      .select([
        'r.id',
        'r.name',
        (eb) =>
          eb
            .selectFrom('manifests as m')
            .select((e) => e.fn.countAll<number>().as('n'))
            .whereRef('m.repository_id', '=', 'r.id')
            .as('images'),
        (eb) =>
          eb
            .selectFrom('tags as t')
            .select((e) => e.fn.countAll<number>().as('n'))
            .whereRef('t.repository_id', '=', 'r.id')
            .as('tags'),
      ])
      .where('r.account_id', '=', accountId)
      .execute();
    return rows.map((r) => ({
      repositoryId: r.id,
      repositoryName: r.name,
      images: Number(r.images ?? 0),
      tags: Number(r.tags ?? 0),
    }));
  }

  async lastPull(repositoryId: string): Promise<number | undefined> {
    const row = await this.db
      .selectFrom('manifests')
      .select((eb) => eb.fn.max('last_pulled_at').as('at'))
      .where('repository_id', '=', repositoryId)
      .executeTakeFirst();
    return row?.at === null || row?.at === undefined ? undefined : Number(row.at);
  }

  async addStorageSamples(samples: readonly StorageSample[]): Promise<void> {
    if (samples.length === 0) return;
    await this.db.transaction().execute(async (trx) => {
      for (let i = 0; i < samples.length; i += BATCH) {
        await trx
          .insertInto('metering_storage')
          .values(
            samples.slice(i, i + BATCH).map((s) => ({
              sampled_at: s.sampledAt,
              account_id: s.accountId,
              repository_id: s.repositoryId,
              repository_name: s.repositoryName,
              physical_bytes: s.physicalBytes,
              shared_bytes: s.sharedBytes,
              attributed_bytes: s.attributedBytes,
              archive_bytes: s.archiveBytes,
              image_count: s.imageCount,
              tag_count: s.tagCount,
            })),
          )
          .onConflict((oc) => oc.columns(['repository_id', 'sampled_at']).doNothing())
          .execute();
      }
    });
  }

  async deleteBefore(before: number): Promise<{ transfer: number; storage: number }> {
    const transfer = await this.db.deleteFrom('metering_transfer').where('hour', '<', before).executeTakeFirst();
    const storage = await this.db.deleteFrom('metering_storage').where('sampled_at', '<', before).executeTakeFirst();
    return { transfer: Number(transfer.numDeletedRows ?? 0), storage: Number(storage.numDeletedRows ?? 0) };
  }

  async storageSamples(range: MeteringRange): Promise<StorageSample[]> {
    let query = this.db
      .selectFrom('metering_storage')
      .selectAll()
      .where('sampled_at', '>=', range.from)
      .where('sampled_at', '<', range.to)
      .orderBy('sampled_at')
      .orderBy('repository_id');
    if (range.accountIds) {
      if (range.accountIds.length === 0) return [];
      query = query.where('account_id', 'in', [...range.accountIds]);
    }
    if (range.repositoryId !== undefined) query = query.where('repository_id', '=', range.repositoryId);
    return (await query.execute()).map(toSample);
  }

  async samplesBefore(before: number, accountIds?: readonly string[]): Promise<StorageSample[]> {
    if (accountIds?.length === 0) return [];
    let latest = this.db
      .selectFrom('metering_storage')
      .select((eb) => eb.fn.max('sampled_at').as('at'))
      .where('sampled_at', '<', before);
    if (accountIds) latest = latest.where('account_id', 'in', [...accountIds]);
    const at = (await latest.executeTakeFirst())?.at;
    if (at === null || at === undefined) return [];
    let query = this.db.selectFrom('metering_storage').selectAll().where('sampled_at', '=', Number(at));
    if (accountIds) query = query.where('account_id', 'in', [...accountIds]);
    return (await query.orderBy('repository_id').execute()).map(toSample);
  }
}
