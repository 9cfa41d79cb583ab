// The settings index of the metadata port: the registry's own values by key (sealed secrets
// among them). Adapter: kysely-store.ts.

export interface SettingsIndex {
  get(key: string): Promise<string | undefined>;
  /** Replaces a value that exists (re-sealing secrets); false when the key has none. */
  replace(key: string, value: string): Promise<boolean>;
  /** Sets the key only if it has no value yet; returns the value that is stored. */
  setIfAbsent(key: string, value: string): Promise<string>;
}
