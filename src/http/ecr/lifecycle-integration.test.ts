// Lifecycle runs meeting the other areas wired around them: deletion protection keeps what it
// protects, expiries land in the trash, and transition rules archive through the storage
// classes' archiver (the image is then listed ARCHIVED and not pullable).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DescribeImagesCommand, PutLifecyclePolicyCommand } from '@aws-sdk/client-ecr';
import { privateRegistry } from '../../domain/registry.js';
import {
  client,
  expire,
  listed,
  policyOf,
  pushAll,
  registry,
  repository,
  runner,
  server,
  startLifecycleServer,
  stopLifecycleServer,
} from '../../testing/lifecycle.js';

before(startLifecycleServer);
after(stopLifecycleServer);

const everything = { selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 1 } };

describe('lifecycle with the areas around it', () => {
  it('keeps a protected tag, and puts what it expires in the trash', async () => {
    const name = 'lifecycle-wired/protected';
    const [prod, dev1] = await pushAll(name, ['prod-1', 'dev-1', 'dev-2', 'dev-3']);
    await server.berth.services.protections.add(server.berth.accountId, name, 'prod-*');
    await client.send(
      new PutLifecyclePolicyCommand({
        repositoryName: name,
        lifecyclePolicyText: policyOf({ ...everything, action: expire }),
      }),
    );
    const result = await runner().run(await repository(name));
    assert.ok(result);
    assert.deepEqual(
      result.kept.map((k) => [k.digest, k.reason]),
      [[prod, 'protected: prod-*']],
    );
    const left = await listed(name);
    assert.ok(left.includes(prod!), 'the protected image stays');
    assert.equal(left.length, 2, 'the newest image and the protected one');
    const trashed = await server.berth.services.trash.list(privateRegistry(server.berth.accountId), name);
    assert.ok(
      trashed.some((e) => e.manifest.digest === dev1 && e.deletedBy === 'lifecycle:rule 1'),
      'an expired image is restorable from the trash',
    );
  });

  it('archives through the storage classes: listed ARCHIVED, not pullable', async () => {
    const name = 'lifecycle-wired/archive';
    const [old] = await pushAll(name, ['v1', 'v2']);
    await client.send(
      new PutLifecyclePolicyCommand({
        repositoryName: name,
        lifecyclePolicyText: policyOf({ ...everything, action: { type: 'transition', targetStorageClass: 'archive' } }),
      }),
    );
    await runner().run(await repository(name));
    const archived = await client.send(
      new DescribeImagesCommand({ repositoryName: name, filter: { imageStatus: 'ARCHIVED' } }),
    );
    assert.deepEqual(
      archived.imageDetails?.map((d) => d.imageDigest),
      [old],
    );
    assert.equal(await registry.resolve(name, 'v1'), 404, 'an archived image is not pullable');
    assert.equal(typeof (await registry.resolve(name, 'v2')), 'string', 'the newest stays pullable');
  });
});
