// The key the store keeps a registry's rows under (repositories, account settings, the registry
// policy): a private registry's is its account id, a public registry's `public:<account>`, which
// no account id can equal, so a public and a private repository of one account may share a name
// and private listings never see public ones. Only the store's callers build it, from a
// RegistryRef, and read it back from a row here; it never leaves for a message, ARN or header.
import { privateRegistry, publicRegistry, type RegistryRef } from '../domain/registry.js';

export const PUBLIC_KEY_PREFIX = 'public:';

export function registryKey(registry: RegistryRef): string {
  return registry.visibility === 'public' ? `${PUBLIC_KEY_PREFIX}${registry.accountId}` : registry.accountId;
}

/** The registry a row's key names (a repository's `accountId`). */
export function registryOfKey(key: string): RegistryRef {
  return key.startsWith(PUBLIC_KEY_PREFIX) ? publicRegistry(key.slice(PUBLIC_KEY_PREFIX.length)) : privateRegistry(key);
}
