// The schema 1 signing key: made once per deployment and sealed by the master key in the real
// settings store, the same key for every node that opens it, unreadable with another master key.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { openTestDeployment } from '../testing/server.js';
import { loadManifestSigningKey } from './manifest-signing-key.js';
import { MasterKey } from './master-key.js';

describe('manifest signing key', () => {
  it('is made once, sealed, and loaded alike by every node; another master key cannot open it', async () => {
    const test = await openTestDeployment();
    try {
      const { store, masterKey } = test.deployment;
      const [a, b] = await Promise.all([
        loadManifestSigningKey(store.settings, masterKey),
        loadManifestSigningKey(store.settings, masterKey),
      ]);
      assert.equal(a.asymmetricKeyType, 'rsa');
      const pem = (key: typeof a) => key.export({ type: 'pkcs8', format: 'pem' });
      assert.equal(pem(a), pem(b), 'nodes starting at once agree on one key');
      assert.equal(pem(await loadManifestSigningKey(store.settings, masterKey)), pem(a));
      const stored = await store.settings.get('schema1_signing_key');
      assert.ok(stored && !stored.includes('PRIVATE KEY'), 'never stored in clear');
      await assert.rejects(loadManifestSigningKey(store.settings, MasterKey.fromBytes(randomBytes(32))));
    } finally {
      await test.close();
    }
  });
});
