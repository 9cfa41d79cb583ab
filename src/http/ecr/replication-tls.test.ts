// Replication to a peer that serves HTTPS with a certificate of its own CA: the peer's caBundle
// is trusted for the sign-in (GetAuthorizationToken) and for the registry protocol, and the
// replication completes; without the bundle the certificate is not trusted and it does not.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  DescribeImageReplicationStatusCommand,
  type ECRClient,
  PutReplicationConfigurationCommand,
} from '@aws-sdk/client-ecr';
import { ecrClient, RegistryHttp } from '../../testing/ecr-http.js';
import { startBerth, TEST_ADMIN, type TestBerth } from '../../testing/server.js';

let west: TestBerth;
let east: TestBerth;
let client: ECRClient;

before(async () => {
  west = await startBerth({
    settings: { auth: { mode: 'iam' }, registry: { region: 'eu-west-1' }, tls: { selfSigned: true } },
  });
  const caBundle = join(west.dataDir, 'tls', 'ca.crt');
  east = await startBerth({
    settings: {
      auth: { mode: 'iam' },
      replication: {
        pollMilliseconds: 60_000,
        maxAttempts: 1,
        peers: [
          { region: 'eu-west-1', endpoint: west.url, caBundle, ...TEST_ADMIN },
          { region: 'eu-west-2', endpoint: west.url, ...TEST_ADMIN },
        ],
      },
    },
  });
  client = ecrClient(east.url);
});
after(async () => {
  client.destroy();
  await east?.close();
  await west?.close();
});

async function replicate(region: string, repository: string): Promise<{ status?: string; failureCode?: string }> {
  await client.send(
    new PutReplicationConfigurationCommand({
      replicationConfiguration: {
        rules: [
          {
            destinations: [{ region, registryId: west.berth.accountId }],
            repositoryFilters: [{ filter: `${repository}/`, filterType: 'PREFIX_MATCH' }],
          },
        ],
      },
    }),
  );
  const registry = await RegistryHttp.login(east.url, client);
  const image = await registry.image(`${repository}/app`);
  assert.equal((await registry.putManifest(`${repository}/app`, 'v1', image.bytes)).status, 201);
  await east.berth.replication.drain();
  const out = await client.send(
    new DescribeImageReplicationStatusCommand({ repositoryName: `${repository}/app`, imageId: { imageTag: 'v1' } }),
  );
  return out.replicationStatuses?.[0] ?? {};
}

describe('replication to an HTTPS peer', () => {
  test("with the peer's CA bundle: COMPLETE", async () => {
    assert.ok(west.url.startsWith('https://'));
    assert.equal((await replicate('eu-west-1', 'trusted')).status, 'COMPLETE');
  });

  test('without it: FAILED, the certificate is not trusted', async () => {
    const status = await replicate('eu-west-2', 'untrusted');
    assert.equal(status.status, 'FAILED');
    assert.match(status.failureCode ?? '', /certificate/i);
  });
});
