// The lifecycle job: every lifecycle.intervalHours, one node's scheduler runs every repository's
// policy (here an interval of about a second, and the scheduler's tick called by the test).
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { PutLifecyclePolicyCommand } from '@aws-sdk/client-ecr';
import { ecrClient, RegistryHttp } from '../testing/ecr-http.js';
import { startBerth, type TestBerth } from '../testing/server.js';

const POLICY = JSON.stringify({
  rules: [
    {
      rulePriority: 1,
      description: 'keep only the newest image of the repository',
      selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 1 },
      action: { type: 'expire' },
    },
  ],
});

let server: TestBerth;
before(async () => {
  server = await startBerth({ settings: { auth: { mode: 'iam' }, lifecycle: { intervalHours: 0.0003 } } });
});
after(() => server?.close());

describe('the lifecycle job', () => {
  it('runs the policies when due, records what it did, and sets lastEvaluatedAt', async () => {
    const client = ecrClient(server.url);
    let old: { digest: string };
    let recent: { digest: string };
    try {
      const registry = await RegistryHttp.login(server.url, client);
      old = await registry.push('job/app', 'old');
      await sleep(5);
      recent = await registry.push('job/app', 'recent');
      await client.send(new PutLifecyclePolicyCommand({ repositoryName: 'job/app', lifecyclePolicyText: POLICY }));
    } finally {
      client.destroy();
    }
    const { store, accountId, scheduler } = server.berth;
    const repository = (await store.repositories.get(accountId, 'job/app'))!;
    // The job's first run is one interval (about a second) after the start.
    let ran: string[] = [];
    for (let i = 0; i < 50 && !ran.includes('run-lifecycle-policies'); i++) {
      await sleep(100);
      ran = [...ran, ...(await scheduler.tick())];
    }
    assert.ok(ran.includes('run-lifecycle-policies'), `ran ${ran.join(', ')}`);
    const left = await store.images.list(repository.id, 'ANY', { limit: 10 });
    assert.deepEqual(
      left.map((i) => i.digest),
      [recent.digest],
    );
    const actions = await store.lifecycle.actions(repository.id);
    assert.deepEqual(
      actions.map((a) => [a.digest, a.tags, a.rulePriority, a.action, a.actor]),
      [[old.digest, ['old'], 1, 'EXPIRE', 'lifecycle']],
    );
    assert.ok((await store.lifecycle.getPolicy(repository.id))!.lastEvaluatedAt! > 0);
    assert.equal((await store.jobs.get('run-lifecycle-policies'))?.lastError ?? null, null);
  });
});
