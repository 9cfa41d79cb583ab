// Migration 0030 carries 0024's audit events over: their CloudTrail JSON read back into the
// compact columns, so LookupEvents still finds and renders what was recorded before it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect } from 'kysely';
import { migrationProvider } from './index.js';

describe('migration 0030_compact_audit', () => {
  it("moves 0024's events into the compact table, the event's fields into columns", async () => {
    const db = new Kysely<any>({ dialect: new SqliteDialect({ database: new SqliteDatabase(':memory:') }) });
    try {
      const migrator = new Migrator({ db, provider: migrationProvider });
      assert.equal((await migrator.migrateTo('0028_signing')).error, undefined);
      const event = {
        userIdentity: { type: 'IAMUser', userName: 'alice', accessKeyId: 'AKIAOLD' },
        sourceIPAddress: '192.0.2.7',
        userAgent: 'aws-cli/2',
        requestID: 'req-1',
        requestParameters: { repositoryName: 'app' },
        errorCode: 'RepositoryNotFoundException',
        errorMessage: 'gone',
      };
      const base = {
        event_time: 1_700_000_000_000,
        account_id: '111111111111',
        event_name: 'DescribeRepositories',
        event_source: 'ecr.amazonaws.com',
        read_only: 1,
        username: 'alice',
        access_key_id: 'AKIAOLD',
        resource_type: 'AWS::ECR::Repository',
        resource_name: 'app',
      };
      await db
        .insertInto('audit_events')
        .values([
          { ...base, event_id: '018bcfe5-6800-7000-8000-000000000001', event: JSON.stringify(event) },
          {
            ...base,
            event_id: '018bcfe5-6800-7000-8000-000000000002',
            event: JSON.stringify({ userIdentity: { type: 'Unknown' }, sourceIPAddress: '192.0.2.8', requestID: 'r2' }),
          },
        ])
        .execute();
      assert.equal((await migrator.migrateTo('0030_compact_audit')).error, undefined);
      const rows = await db.selectFrom('audit_trail').selectAll().orderBy('event_id').execute();
      assert.equal(rows.length, 2);
      assert.deepEqual(
        { ...rows[0], event_time: Number(rows[0]!.event_time) },
        {
          ...base,
          event_id: '018bcfe5-6800-7000-8000-000000000001',
          identity: JSON.stringify(event.userIdentity),
          source_ip: '192.0.2.7',
          user_agent: 'aws-cli/2',
          request_id: 'req-1',
          parameters: JSON.stringify({ repositoryName: 'app' }),
          error_code: 'RepositoryNotFoundException',
          error_message: 'gone',
        },
      );
      assert.equal(rows[1]!.identity, null, 'an anonymous caller has no identity');
      assert.equal(rows[1]!.parameters, null);
      const tables = await db.introspection.getTables();
      assert.ok(!tables.some((t) => t.name === 'audit_events'), 'the old table is gone');
    } finally {
      await db.destroy();
    }
  });
});
