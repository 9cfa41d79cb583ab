// An upstream that answers 429 (rate limited), with a `berth serve` whose log is read: a cached
// tag past its refresh interval is served from the cache and the log says so, naming the 429; a
// tag never seen gets TOOMANYREQUESTS naming the upstream's answer. A child process for its log
// (standard output); the backend changes nothing here: the once tier.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { BatchGetImageCommand, CreatePullThroughCacheRuleCommand } from '@aws-sdk/client-ecr';
import { MediaTypes } from '../domain/media-types.js';
import { ecrClient } from '../testing/ecr.js';
import { FakeUpstream } from '../testing/fake-upstream.js';
import { type ChildBerth, freePort, scratchDirs, spawnBerth } from '../testing/server.js';
import { eventually } from '../testing/webhook-receiver.js';

const REFRESH_SECONDS = 1;

describe('the pull-through cache with an upstream answering 429', () => {
  const dirs = scratchDirs();
  let upstream: FakeUpstream;
  let server: ChildBerth;

  before(async () => {
    upstream = new FakeUpstream();
    await upstream.start();
    server = await spawnBerth(dirs.make('berth-ptc-429-'), await freePort(), {
      BERTH_LOG_FORMAT: 'json',
      BERTH_PULL_THROUGH_CACHE_ALLOWED_HOSTS: upstream.host,
      BERTH_PULL_THROUGH_CACHE_PLAIN_HTTP_LOOPBACK: 'true',
      BERTH_PULL_THROUGH_CACHE_REFRESH_HOURS: String(REFRESH_SECONDS / 3600),
    });
  });
  after(async () => {
    await server?.stop();
    await upstream?.close();
    dirs.remove();
  });

  test('a cached tag is served while the upstream answers 429, and the log says so', async () => {
    const image = upstream.add('lib/app', '1', [2048]);
    const client = ecrClient(server.url);
    await client.send(
      new CreatePullThroughCacheRuleCommand({ ecrRepositoryPrefix: 'up', upstreamRegistryUrl: upstream.host }),
    );
    // BatchGetImage stores the image before it answers.
    const cached = await client.send(
      new BatchGetImageCommand({ repositoryName: 'up/lib/app', imageIds: [{ imageTag: '1' }] }),
    );
    client.destroy();
    assert.equal(cached.images?.[0]?.imageId?.imageDigest, image.digest);

    upstream.limited = true;
    await new Promise((resolve) => setTimeout(resolve, REFRESH_SECONDS * 1000 + 200));
    const seen = upstream.gets.length;
    const res = await fetch(`${server.url}/v2/up/lib/app/manifests/1`, { headers: { Accept: MediaTypes.ociManifest } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('docker-content-digest'), image.digest);
    assert.ok(
      upstream.gets.slice(seen).some((g) => g.path === '/v2/lib/app/manifests/1' && g.status === 429),
      'the tag was checked upstream and refused',
    );
    await eventually(() => /serving the cached tag/.test(server.stdout()), 5_000, 'the log line');
    const line = server
      .stdout()
      .split('\n')
      .find((l) => l.includes('serving the cached tag'))!;
    const entry = JSON.parse(line) as { status: number; repository: string; upstream: string };
    assert.equal(entry.status, 429);
    assert.equal(entry.repository, 'up/lib/app');
    assert.equal(entry.upstream, `${upstream.host}/lib/app`);

    const never = await fetch(`${server.url}/v2/up/lib/app/manifests/never`, {
      headers: { Accept: MediaTypes.ociManifest },
    });
    assert.equal(never.status, 429);
    const body = (await never.json()) as { errors: { code: string; message: string }[] };
    assert.equal(body.errors[0]!.code, 'TOOMANYREQUESTS');
    assert.match(body.errors[0]!.message, /upstream answered 429 \(TOOMANYREQUESTS slow down\)/);
  });
});
