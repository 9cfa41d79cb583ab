// Push listeners (domain/push-listener.ts): told once of each push that stored something, after
// it committed, with what was pushed; never for a push of what was there already; and a listener
// that fails does not fail the push.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PushedImage } from '../../domain/push-listener.js';
import { assertManifestCreated } from '../../testing/manifest-assertions.js';
import { pushImage, putManifest } from '../../testing/registry-client.js';
import { useInjectedBerth } from '../../testing/injected-berth.js';

const berth = useInjectedBerth();

test('a stored push is told to every listener once, a push of the same manifest and tag to none, and a failing listener fails nothing', async () => {
  const seen: PushedImage[] = [];
  const listeners = berth.server.berth.pushListeners;
  listeners.push(
    {
      name: 'failing',
      async pushed() {
        throw new Error('listener down');
      },
    },
    {
      name: 'recording',
      async pushed(image) {
        // After the commit: the manifest is already served.
        const res = await berth.app.inject({
          method: 'HEAD',
          url: `/v2/${image.repositoryName}/manifests/${image.digest}`,
        });
        assert.equal(res.statusCode, 200);
        seen.push(image);
      },
    },
  );
  try {
    const image = await pushImage(berth.app, 'listeners/app', 'v1');
    assert.equal(seen.length, 1);
    assert.equal(seen[0]?.repositoryName, 'listeners/app');
    assert.equal(seen[0]?.digest, image.digest);
    assert.equal(seen[0]?.mediaType, image.mediaType);
    assert.deepEqual(seen[0]?.tags, ['v1']);
    assert.equal(seen[0]?.subjectDigest, null);

    const again = await putManifest(berth.app, 'listeners/app', 'v1', image.bytes, image.mediaType);
    assertManifestCreated(again, 'listeners/app', image.digest);
    assert.equal(seen.length, 1, 'nothing was stored: no listener is told');

    await putManifest(berth.app, 'listeners/app', 'v2', image.bytes, image.mediaType);
    assert.equal(seen.length, 2, 'a new tag on the manifest is a stored push');
    assert.deepEqual(seen[1]?.tags, ['v2']);
  } finally {
    listeners.length = 0;
  }
});
