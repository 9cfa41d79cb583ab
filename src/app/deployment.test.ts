// Opening a deployment without serving it: the same default account, master key and signing key
// every time; and a master key that is not the deployment's is refused before it seals anything.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { DeploymentError } from './deployment-error.js';
import { dropPostgresDatabaseFor, testBackend } from '../testing/postgres.js';
import { openTestDeployment, tempDir } from '../testing/server.js';

describe('openDeployment', () => {
  const dataDir = tempDir('berth-deployment-');
  after(async () => {
    rmSync(dataDir, { recursive: true, force: true });
    if (testBackend() === 'postgres') await dropPostgresDatabaseFor(dataDir);
  });

  it('opens the same deployment again: default account, master key file and signing key', async () => {
    const first = await openTestDeployment({ dataDir });
    const { accountId, generatedMasterKey } = first.deployment;
    const { password } = first.deployment.tokens.issue({ account: accountId, key: 'AKIAIOSFODNN7EXAMPLE' });
    await first.close();
    assert.ok(generatedMasterKey?.endsWith('master.key'), 'the first opening generated the master key file');

    const again = await openTestDeployment({ dataDir });
    try {
      assert.equal(again.deployment.accountId, accountId);
      assert.equal(again.deployment.generatedMasterKey, undefined);
      assert.equal(
        again.deployment.tokens.verify(password)?.account,
        accountId,
        'a password issued before verifies after',
      );
      assert.deepEqual(
        (await again.deployment.identities.listAccounts()).map((a) => a.id),
        [accountId],
      );
    } finally {
      await again.close();
    }
  });

  it("refuses a master key that is not the deployment's, naming the setting", async () => {
    await assert.rejects(
      openTestDeployment({ dataDir, settings: { keys: { masterKey: randomBytes(32).toString('base64') } } }),
      (err: unknown) => {
        assert.ok(err instanceof DeploymentError);
        assert.match(
          err.message,
          /the master key in keys\.masterKey \(BERTH_KEYS_MASTER_KEY\) is not the one this database's secrets were sealed with/,
        );
        assert.match(
          err.message,
          /keys\.masterKeyFile \(BERTH_KEYS_MASTER_KEY_FILE\)/,
          'and says how to share the key',
        );
        return true;
      },
    );
    const stillFine = await openTestDeployment({ dataDir });
    await stillFine.close();
  });
});
