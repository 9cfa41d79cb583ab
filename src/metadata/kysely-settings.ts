// Deployment-wide settings (SettingsIndex): one value per key, set once or replaced.
import type { Kysely } from 'kysely';
import type { Database } from './schema.js';
import type { SettingsIndex } from './store.js';

export class Settings implements SettingsIndex {
  constructor(private readonly db: Kysely<Database>) {}

  async get(key: string) {
    const row = await this.db.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirst();
    return row?.value;
  }

  async replace(key: string, value: string) {
    const result = await this.db.updateTable('settings').set({ value }).where('key', '=', key).executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async setIfAbsent(key: string, value: string) {
    await this.db
      .insertInto('settings')
      .values({ key, value })
      .onConflict((oc) => oc.column('key').doNothing())
      .execute();
    return (await this.get(key)) ?? value;
  }
}
