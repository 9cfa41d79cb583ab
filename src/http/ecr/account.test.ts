// DescribeRegistry, GetAccountSetting and PutAccountSetting through the real AWS SDK, and what
// BLOB_MOUNTING does to cross-repository mounts on the registry protocol.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import {
  DescribeRegistryCommand,
  GetAccountSettingCommand,
  PutAccountSettingCommand,
  type ECRClient,
} from '@aws-sdk/client-ecr';
import { ecrClient, refused, RegistryHttp } from '../../testing/ecr-http.js';
import { startBerth, type TestBerth } from '../../testing/server.js';

let server: TestBerth;
let client: ECRClient;
let account: string;

before(async () => {
  server = await startBerth({ settings: { auth: { mode: 'iam' } } });
  client = ecrClient(server.url);
  account = server.berth.accountId;
});
after(async () => {
  client.destroy();
  await server.close();
});

const get = (name: string) => client.send(new GetAccountSettingCommand({ name }));
const put = (name: string, value: string) => client.send(new PutAccountSettingCommand({ name, value }));
const strip = <T extends object>(out: T) => ({ ...out, $metadata: undefined });

describe('DescribeRegistry', () => {
  test("names the caller's registry and its (empty) replication configuration", async () => {
    const out = await client.send(new DescribeRegistryCommand({}));
    assert.deepEqual(strip(out), {
      $metadata: undefined,
      registryId: account,
      replicationConfiguration: { rules: [] },
    });
  });
});

describe('account settings', () => {
  test('each setting reads its default until it is put', async () => {
    assert.deepEqual(strip(await get('BASIC_SCAN_TYPE_VERSION')), {
      $metadata: undefined,
      name: 'BASIC_SCAN_TYPE_VERSION',
      value: 'AWS_NATIVE',
    });
    assert.deepEqual(strip(await get('REGISTRY_POLICY_SCOPE')), {
      $metadata: undefined,
      name: 'REGISTRY_POLICY_SCOPE',
      value: 'V2',
    });
    assert.deepEqual(strip(await get('BLOB_MOUNTING')), {
      $metadata: undefined,
      name: 'BLOB_MOUNTING',
      value: 'ENABLED',
    });
  });

  test('put returns the setting and get reads it back', async () => {
    assert.deepEqual(strip(await put('BASIC_SCAN_TYPE_VERSION', 'AWS_NATIVE')), {
      $metadata: undefined,
      name: 'BASIC_SCAN_TYPE_VERSION',
      value: 'AWS_NATIVE',
    });
    assert.deepEqual(strip(await put('REGISTRY_POLICY_SCOPE', 'V2')), {
      $metadata: undefined,
      name: 'REGISTRY_POLICY_SCOPE',
      value: 'V2',
    });
    assert.equal((await get('REGISTRY_POLICY_SCOPE')).value, 'V2');
  });

  test('an unknown name or a value the setting does not take is ValidationException', async () => {
    await refused(get('SCAN_EVERYTHING'), 'ValidationException');
    await refused(get('blob_mounting'), 'ValidationException');
    await refused(put('SCAN_EVERYTHING', 'YES'), 'ValidationException');
    await refused(put('BASIC_SCAN_TYPE_VERSION', 'CLAIR'), 'ValidationException');
    await refused(put('REGISTRY_POLICY_SCOPE', 'V3'), 'ValidationException');
    await refused(put('BLOB_MOUNTING', 'enabled'), 'ValidationException');
    assert.equal((await get('BLOB_MOUNTING')).value, 'ENABLED', 'nothing refused was stored');
  });

  test("a name outside the model's length or a missing member is InvalidParameterException", async () => {
    await refused(get(''), 'InvalidParameterException');
    await refused(get('N'.repeat(65)), 'InvalidParameterException');
    await refused(client.send(new GetAccountSettingCommand({} as never)), 'InvalidParameterException');
    await refused(
      client.send(new PutAccountSettingCommand({ name: 'BLOB_MOUNTING' } as never)),
      'InvalidParameterException',
    );
  });

  test('BLOB_MOUNTING DISABLED turns a mount request into an ordinary upload; ENABLED mounts again', async () => {
    const registry = await RegistryHttp.login(server.url, client);
    const layer = await registry.blob('mounting/source', randomBytes(32));
    const mount = (target: string) =>
      registry.fetch(`/v2/${target}/blobs/uploads/?mount=${layer.digest}&from=mounting/source`, { method: 'POST' });
    try {
      await put('BLOB_MOUNTING', 'DISABLED');
      assert.equal((await get('BLOB_MOUNTING')).value, 'DISABLED');
      const refusedMount = await mount('mounting/disabled');
      assert.equal(refusedMount.status, 202, 'an upload session instead of the mount');
      assert.equal(
        (await registry.fetch(`/v2/mounting/disabled/blobs/${layer.digest}`, { method: 'HEAD' })).status,
        404,
      );
    } finally {
      await put('BLOB_MOUNTING', 'ENABLED');
    }
    const mounted = await mount('mounting/enabled');
    assert.equal(mounted.status, 201);
    assert.equal((await registry.fetch(`/v2/mounting/enabled/blobs/${layer.digest}`, { method: 'HEAD' })).status, 200);
  });
});
