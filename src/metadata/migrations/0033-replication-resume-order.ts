// Migration 0033_replication_resume_order: a replication task keeps where the transfer of a blob
// to a peer broke off (so a restarted node continues it), and the tags of the IN_PROGRESS tasks
// are indexed so that workers running several replications at once keep one tag's moves in order
// (a task waits for the older ones of its repository, destination and tag).
import type { Kysely, Migration } from 'kysely';

export const replicationResumeOrder: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.alterTable('replication_tasks').addColumn('resume_digest', 'varchar(160)').execute();
    await db.schema.alterTable('replication_tasks').addColumn('resume_location', 'varchar(2048)').execute();
    await db.schema.alterTable('replication_tasks').addColumn('resume_offset', 'bigint').execute();
    await db.schema
      .createTable('replication_task_tags')
      .addColumn('task_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('account_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('repository_name', 'varchar(256)', (c) => c.notNull())
      .addColumn('dest_region', 'varchar(32)', (c) => c.notNull())
      .addColumn('dest_registry_id', 'varchar(16)', (c) => c.notNull())
      .addColumn('tag', 'varchar(128)', (c) => c.notNull())
      .addPrimaryKeyConstraint('replication_task_tags_pk', ['task_id', 'tag'])
      .execute();
    await db.schema
      .createIndex('replication_task_tags_order')
      .on('replication_task_tags')
      .columns(['account_id', 'repository_name', 'dest_region', 'dest_registry_id', 'tag'])
      .execute();
    // The tasks in progress now get their tag rows.
    const open = await db
      .selectFrom('replication_tasks')
      .select(['id', 'account_id', 'repository_name', 'dest_region', 'dest_registry_id', 'tags'])
      .where('status', '=', 'IN_PROGRESS')
      .execute();
    for (const task of open) {
      const tags = [...new Set(JSON.parse(task.tags as string) as string[])];
      if (tags.length === 0) continue;
      await db
        .insertInto('replication_task_tags')
        .values(
          tags.map((tag) => ({
            task_id: task.id,
            account_id: task.account_id,
            repository_name: task.repository_name,
            dest_region: task.dest_region,
            dest_registry_id: task.dest_registry_id,
            tag,
          })),
        )
        .execute();
    }
  },
  async down(db: Kysely<any>) {
    await db.schema.dropTable('replication_task_tags').ifExists().execute();
    await db.schema.alterTable('replication_tasks').dropColumn('resume_offset').execute();
    await db.schema.alterTable('replication_tasks').dropColumn('resume_location').execute();
    await db.schema.alterTable('replication_tasks').dropColumn('resume_digest').execute();
  },
};
