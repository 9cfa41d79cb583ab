// Migration 0035 makes the audit trail's rows runs of events: rows from before it are runs of one,
// still found by LookupEvents by time, attribute and their own (random-numbered) ids.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect } from 'kysely';
import { KyselyAudit } from '../kysely-audit.js';
import { migrationProvider } from './index.js';

describe('migration 0035_audit_runs', () => {
  it('keeps the events recorded before it, each a run of one', async () => {
    const db = new Kysely<any>({ dialect: new SqliteDialect({ database: new SqliteDatabase(':memory:') }) });
    try {
      const migrator = new Migrator({ db, provider: migrationProvider });
      assert.equal((await migrator.migrateTo('0034_console_sorting')).error, undefined);
      const row = (eventId: string, eventTime: number, requestId: string) => ({
        event_id: eventId,
        event_time: eventTime,
        account_id: '111111111111',
        event_name: 'BatchGetImage',
        event_source: 'ecr.amazonaws.com',
        read_only: 1,
        username: 'alice',
        access_key_id: 'AKIAOLD',
        resource_type: 'AWS::ECR::Repository',
        resource_name: 'app',
        identity: null,
        source_ip: '192.0.2.7',
        user_agent: 'docker/27',
        request_id: requestId,
        parameters: '{"repositoryName":"app","imageTag":"v1"}',
        error_code: null,
        error_message: null,
      });
      // Ids of that time numbered nothing: random bits after the version digit.
      const older = row('018bcfe5-6800-7a3c-8000-000000000001', 1_700_000_000_000, 'r1');
      const newer = row('018bcfe5-6be8-7f10-9000-000000000002', 1_700_000_001_000, 'r2');
      await db.insertInto('audit_trail').values([older, newer]).execute();
      assert.equal((await migrator.migrateToLatest()).error, undefined);

      const audit = new KyselyAudit(db);
      const all = { accountId: '111111111111', startTime: 0, endTime: 2_000_000_000_000, limit: 10 };
      const found = await audit.lookup(all);
      assert.deepEqual(
        found.map((e) => [e.eventId, e.eventTime, e.requestId]),
        [
          [newer.event_id, newer.event_time, 'r2'],
          [older.event_id, older.event_time, 'r1'],
        ],
      );
      const byId = await audit.lookup({ ...all, attribute: { key: 'EventId', value: older.event_id } });
      assert.deepEqual(
        byId.map((e) => e.requestId),
        ['r1'],
      );
      const byName = await audit.lookup({ ...all, attribute: { key: 'ResourceName', value: 'app' }, limit: 1 });
      assert.deepEqual(
        byName.map((e) => e.requestId),
        ['r2'],
      );
      assert.equal(await audit.deleteBefore(1_700_000_000_500, 10), 1);
      assert.deepEqual(
        (await audit.lookup(all)).map((e) => e.requestId),
        ['r2'],
      );
    } finally {
      await db.destroy();
    }
  });
});
