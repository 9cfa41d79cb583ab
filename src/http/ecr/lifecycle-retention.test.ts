// Retention that knows what runs: an image pulled by a runtime principal (lifecycle.runtimePrincipals)
// within lifecycle.inUseDays is kept by a rule that would expire it, and the preview leaves it out;
// once the principal is no longer in the configuration, the same rule expires it. A pull by a
// principal excluded from pull time updates never counts.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import {
  GetLifecyclePolicyPreviewCommand,
  PutLifecyclePolicyCommand,
  RegisterPullTimeUpdateExclusionCommand,
  StartLifecyclePolicyPreviewCommand,
} from '@aws-sdk/client-ecr';
import { DAY_MS } from '../../domain/lifecycle-rules.js';
import { ecrClient, RegistryHttp } from '../../testing/ecr-http.js';
import { dropPostgresDatabaseFor, testBackend } from '../../testing/postgres.js';
import { startBerth, tempDir, type TestBerth } from '../../testing/server.js';

const dataDir = tempDir();
const POLICY = JSON.stringify({
  rules: [
    {
      rulePriority: 1,
      description: 'expire every image pushed more than a day ago',
      selection: { tagStatus: 'any', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 1 },
      action: { type: 'expire' },
    },
  ],
});
const ALLOW_ALL = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: 'ecr:*', Resource: '*' }],
});

after(async () => {
  rmSync(dataDir, { recursive: true, force: true });
  if (testBackend() === 'postgres') await dropPostgresDatabaseFor(dataDir);
});

/** A server on the shared data directory, with these runtime principals. */
function serve(runtimePrincipals: string[]): Promise<TestBerth> {
  return startBerth({ dataDir, settings: { auth: { mode: 'iam' }, lifecycle: { runtimePrincipals, inUseDays: 30 } } });
}

async function previewed(server: TestBerth, name: string): Promise<string[]> {
  const client = ecrClient(server.url);
  try {
    await client.send(new StartLifecyclePolicyPreviewCommand({ repositoryName: name }));
    const preview = await client.send(new GetLifecyclePolicyPreviewCommand({ repositoryName: name }));
    return (preview.previewResults ?? []).map((r) => r.imageDigest!).sort();
  } finally {
    client.destroy();
  }
}

describe('runtime principals keep the images they run', () => {
  it('kept while pulled by a runtime principal within inUseDays; expired once it leaves the configuration', async () => {
    let server = await serve(['arn:aws:iam::*:user/node-*']);
    let digests: { running: string; idle: string; excluded: string };
    try {
      const { identities, userPolicies, accountId, services, store } = server.berth;
      const admin = ecrClient(server.url);
      const adminRegistry = await RegistryHttp.login(server.url, admin);
      digests = {
        running: (await adminRegistry.push('rt/app', 'running')).digest,
        idle: (await adminRegistry.push('rt/app', 'idle')).digest,
        excluded: (await adminRegistry.push('rt/app', 'excluded')).digest,
      };
      await admin.send(new PutLifecyclePolicyCommand({ repositoryName: 'rt/app', lifecyclePolicyText: POLICY }));
      const node = async (name: string) => {
        await identities.createUser(accountId, name);
        const key = await identities.createAccessKeyFor(accountId, name);
        await userPolicies.putUserPolicy(accountId, name, 'all', ALLOW_ALL);
        const client = ecrClient(server.url, key);
        const registry = await RegistryHttp.login(server.url, client);
        client.destroy();
        return registry;
      };
      const node1 = await node('node-1');
      const node2 = await node('node-2');
      await admin.send(
        new RegisterPullTimeUpdateExclusionCommand({ principalArn: `arn:aws:iam::${accountId}:user/node-2` }),
      );
      admin.destroy();
      const pull = async (registry: RegistryHttp, digest: string) => {
        const res = await registry.fetch(`/v2/rt/app/manifests/${digest}`, {
          headers: { accept: 'application/vnd.oci.image.manifest.v1+json' },
        });
        assert.equal(res.status, 200);
      };
      await pull(node1, digests.running);
      await pull(node2, digests.excluded);

      // Ten days on: every image is past the rule's one day, the running one within 30 days of its pull.
      const runner = services.lifecycle.runner;
      runner.now = () => Date.now() + 10 * DAY_MS;
      assert.deepEqual(await previewed(server, 'rt/app'), [digests.idle, digests.excluded].sort());
      const result = await runner.run((await store.repositories.get(accountId, 'rt/app'))!);
      assert.deepEqual(result!.done.map((a) => a.digest).sort(), [digests.idle, digests.excluded].sort());
      assert.deepEqual(
        result!.kept.map((k) => k.digest),
        [digests.running],
      );
      assert.match(result!.kept[0]!.reason, /^in use: pulled by arn:aws:iam::\d{12}:user\/node-1 at /);
      const left = await store.images.list((await store.repositories.get(accountId, 'rt/app'))!.id, 'ANY', {
        limit: 10,
      });
      assert.deepEqual(
        left.map((i) => i.digest),
        [digests.running],
      );
    } finally {
      await server.close();
    }

    // The same deployment without runtime principals: the running image is expired like the others.
    server = await serve([]);
    try {
      const { services, store, accountId } = server.berth;
      services.lifecycle.runner.now = () => Date.now() + 10 * DAY_MS;
      assert.deepEqual(await previewed(server, 'rt/app'), [digests.running]);
      const repository = (await store.repositories.get(accountId, 'rt/app'))!;
      const result = await services.lifecycle.runner.run(repository);
      assert.deepEqual(
        result!.done.map((a) => a.digest),
        [digests.running],
      );
      assert.deepEqual(await store.images.list(repository.id, 'ANY', { limit: 10 }), []);
    } finally {
      await server.close();
    }
  });
});
