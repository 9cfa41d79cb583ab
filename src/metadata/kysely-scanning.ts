// The scanning index over the query builder (part of kysely-store.ts): configurations as JSON,
// scans leased like the replication outbox (one statement claims a free row; SKIP LOCKED on
// PostgreSQL), advisories one row per package they name.
import { randomUUID } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import type {
  AdvisoryRow,
  ImageScan,
  RegistryScanningConfiguration,
  ScanFinding,
  ScanState,
} from '../domain/records/scanning.js';
import type { EventDeliveryInput } from '../domain/records/events.js';
import { insertDeliveries } from './kysely-events.js';
import { claimLeasedRow } from './kysely-lease.js';
import type { Database, ImageScansTable } from './schema.js';
import type { ScanResult, ScanningIndex } from './store-scanning.js';

type Db = Kysely<Database>;

/** Rows per IN list (well under SQLite's and PostgreSQL's parameter limits). */
const IN_CHUNK = 500;

function toScan(row: Selectable<ImageScansTable>): ImageScan {
  return {
    id: row.id,
    accountId: row.account_id,
    repositoryName: row.repository_name,
    digest: row.digest,
    status: row.status as ScanState,
    description: row.description,
    requestedAt: Number(row.requested_at),
    completedAt: row.completed_at === null ? null : Number(row.completed_at),
    inventory: row.inventory,
    findings: JSON.parse(row.findings) as ScanFinding[],
    advisoriesAt: row.advisories_at === null ? null : Number(row.advisories_at),
    sbomDigest: row.sbom_digest,
  };
}

export class KyselyScanning implements ScanningIndex {
  constructor(
    private readonly db: Db,
    private readonly skipLocked: boolean,
  ) {}

  async configuration(accountId: string) {
    const row = await this.db
      .selectFrom('scanning_configurations')
      .select('configuration')
      .where('account_id', '=', accountId)
      .executeTakeFirst();
    return row ? (JSON.parse(row.configuration) as RegistryScanningConfiguration) : undefined;
  }

  async putConfiguration(accountId: string, configuration: RegistryScanningConfiguration, at: number) {
    const json = JSON.stringify(configuration);
    await this.db
      .insertInto('scanning_configurations')
      .values({ account_id: accountId, configuration: json, updated_at: at })
      .onConflict((oc) => oc.column('account_id').doUpdateSet({ configuration: json, updated_at: at }))
      .execute();
  }

  async get(accountId: string, repositoryName: string, digest: string) {
    const row = await this.db
      .selectFrom('image_scans')
      .selectAll()
      .where('account_id', '=', accountId)
      .where('repository_name', '=', repositoryName)
      .where('digest', '=', digest)
      .executeTakeFirst();
    return row && toScan(row);
  }

  async request(accountId: string, repositoryName: string, digest: string, at: number, minIntervalMs?: number) {
    const existing = await this.get(accountId, repositoryName, digest);
    if (existing) {
      if (minIntervalMs !== undefined && at - existing.requestedAt < minIntervalMs) return 'limited' as const;
      if (existing.status === 'IN_PROGRESS') return existing;
      // Only a finished scan is set back to IN_PROGRESS (two asking at once: one wins, both see it pending).
      await this.db
        .updateTable('image_scans')
        .set({ status: 'IN_PROGRESS', description: null, requested_at: at, locked_by: null, locked_until: null })
        .where('id', '=', existing.id)
        .where('status', '<>', 'IN_PROGRESS')
        .execute();
    } else {
      await this.db
        .insertInto('image_scans')
        .values({
          id: randomUUID(),
          account_id: accountId,
          repository_name: repositoryName,
          digest,
          status: 'IN_PROGRESS',
          description: null,
          requested_at: at,
          completed_at: null,
          inventory: null,
          findings: '[]',
          advisories_at: null,
          sbom_digest: null,
          attempts: 0,
          locked_by: null,
          locked_until: null,
        })
        .onConflict((oc) => oc.columns(['account_id', 'repository_name', 'digest']).doNothing())
        .execute();
    }
    return (await this.get(accountId, repositoryName, digest)) as ImageScan;
  }

  async claim(node: string, now: number, leaseUntil: number) {
    const claim = { node, now, leaseUntil, skipLocked: this.skipLocked };
    const row = await claimLeasedRow(this.db, 'image_scans', 'IN_PROGRESS', claim);
    return row && toScan(row);
  }

  async finish(id: string, node: string, at: number, result: ScanResult, events?: EventDeliveryInput[]) {
    return this.db.transaction().execute(async (trx) => {
      const updated = await trx
        .updateTable('image_scans')
        .set({
          status: result.status,
          description: result.description,
          completed_at: at,
          inventory: result.inventory,
          findings: JSON.stringify(result.findings),
          advisories_at: result.advisoriesAt,
          sbom_digest: result.sbomDigest,
          attempts: 0,
          locked_by: null,
          locked_until: null,
        })
        .where('id', '=', id)
        .where('locked_by', '=', node)
        .where('status', '=', 'IN_PROGRESS')
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) === 0) return false;
      // The scan's events commit with its result (none for a scan another node took over).
      await insertDeliveries(trx, events, at);
      return true;
    });
  }

  async many(accountId: string, repositoryName: string, digests: string[]) {
    const out: ImageScan[] = [];
    for (let i = 0; i < digests.length; i += IN_CHUNK) {
      const rows = await this.db
        .selectFrom('image_scans')
        .selectAll()
        .where('account_id', '=', accountId)
        .where('repository_name', '=', repositoryName)
        .where('digest', 'in', digests.slice(i, i + IN_CHUNK))
        .execute();
      out.push(...rows.map(toScan));
    }
    return out;
  }

  async completed(after: string | undefined, limit: number) {
    let query = this.db
      .selectFrom('image_scans')
      .selectAll()
      .where('status', '=', 'COMPLETE')
      .where('inventory', 'is not', null)
      .orderBy('id')
      .limit(limit);
    if (after !== undefined) query = query.where('id', '>', after);
    return (await query.execute()).map(toScan);
  }

  async updateFindings(id: string, findings: ScanFinding[], advisoriesAt: number) {
    await this.db
      .updateTable('image_scans')
      .set({ findings: JSON.stringify(findings), advisories_at: advisoriesAt })
      .where('id', '=', id)
      .execute();
  }

  async putAdvisories(rows: AdvisoryRow[], at: number) {
    for (let i = 0; i < rows.length; i += 100) {
      const values = rows.slice(i, i + 100).map((r) => ({
        id: r.id,
        ecosystem: r.ecosystem,
        package_name: r.packageName,
        modified: r.modified,
        record: r.record,
        imported_at: at,
      }));
      await this.db
        .insertInto('scan_advisories')
        .values(values)
        .onConflict((oc) =>
          oc.columns(['ecosystem', 'package_name', 'id']).doUpdateSet((eb) => ({
            modified: eb.ref('excluded.modified'),
            record: eb.ref('excluded.record'),
            imported_at: eb.ref('excluded.imported_at'),
          })),
        )
        .execute();
    }
    return rows.length;
  }

  async advisories(ecosystem: string, names: string[]) {
    const out: AdvisoryRow[] = [];
    for (let i = 0; i < names.length; i += IN_CHUNK) {
      const rows = await this.db
        .selectFrom('scan_advisories')
        .selectAll()
        .where('ecosystem', '=', ecosystem)
        .where('package_name', 'in', names.slice(i, i + IN_CHUNK))
        .execute();
      out.push(
        ...rows.map((r) => ({
          id: r.id,
          ecosystem: r.ecosystem,
          packageName: r.package_name,
          modified: r.modified,
          record: r.record,
        })),
      );
    }
    return out;
  }

  async advisoriesImportedAt() {
    const row = await this.db
      .selectFrom('scan_advisories')
      .select((eb) => eb.fn.max('imported_at').as('at'))
      .executeTakeFirst();
    return row?.at === null || row?.at === undefined ? null : Number(row.at);
  }
}
