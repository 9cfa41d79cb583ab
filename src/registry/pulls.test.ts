// The pull recorder writes an image's pull time at most once per interval per node, keeps
// images apart, and never fails a pull because the write failed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PullRecorder } from './pulls.js';

function recording(fail = () => false) {
  const writes: [string, string, number][] = [];
  const images = {
    async recordPull(repositoryId: string, digest: string, at: number) {
      if (fail()) throw new Error('database unavailable');
      writes.push([repositoryId, digest, at]);
    },
  };
  return { writes, images };
}

test('one write per image per interval', async () => {
  const { writes, images } = recording();
  const recorder = new PullRecorder(images, 1000);
  await recorder.record('r', 'sha256:a', 10_000);
  await recorder.record('r', 'sha256:a', 10_500);
  await recorder.record('r', 'sha256:a', 10_999);
  await recorder.record('r', 'sha256:b', 10_999);
  await recorder.record('other', 'sha256:a', 10_999);
  await recorder.record('r', 'sha256:a', 11_000);
  assert.deepEqual(writes, [
    ['r', 'sha256:a', 10_000],
    ['r', 'sha256:b', 10_999],
    ['other', 'sha256:a', 10_999],
    ['r', 'sha256:a', 11_000],
  ]);
});

test('a failed write is swallowed and tried again on the next pull', async () => {
  let failing = true;
  const { writes, images } = recording(() => failing);
  const recorder = new PullRecorder(images, 1000);
  await recorder.record('r', 'sha256:a', 1);
  assert.deepEqual(writes, []);
  failing = false;
  await recorder.record('r', 'sha256:a', 2);
  assert.deepEqual(writes, [['r', 'sha256:a', 2]]);
});

test("an excluded principal's pulls are not recorded; a runtime principal's are also recorded per principal, as seldom", async () => {
  const { writes, images } = recording();
  const principalWrites: [string, string, string, number][] = [];
  const recorder = new PullRecorder(images, 1000, {
    lifecycle: {
      async recordPrincipalPull(repositoryId, digest, arn, at) {
        principalWrites.push([repositoryId, digest, arn, at]);
      },
    },
    async excludes(accountId, arn) {
      return accountId === 'A' && arn === 'arn:scanner';
    },
    isRuntime: (arn) => arn.startsWith('arn:node'),
  });
  await recorder.record('r', 'sha256:a', 10_000, { accountId: 'A', principalArn: 'arn:scanner' });
  assert.deepEqual(writes, [], 'the excluded pull leaves the pull time alone');
  await recorder.record('r', 'sha256:a', 10_100, { accountId: 'A', principalArn: 'arn:node-1' });
  await recorder.record('r', 'sha256:a', 10_200, { accountId: 'A', principalArn: 'arn:node-1' });
  await recorder.record('r', 'sha256:a', 10_300, { accountId: 'A', principalArn: 'arn:node-2' });
  await recorder.record('r', 'sha256:a', 10_400, { accountId: 'A', principalArn: 'arn:user' });
  await recorder.record('r', 'sha256:a', 11_200, { accountId: 'A', principalArn: 'arn:node-1' });
  assert.deepEqual(writes, [
    ['r', 'sha256:a', 10_100],
    ['r', 'sha256:a', 11_200],
  ]);
  assert.deepEqual(principalWrites, [
    ['r', 'sha256:a', 'arn:node-1', 10_100],
    ['r', 'sha256:a', 'arn:node-2', 10_300],
    ['r', 'sha256:a', 'arn:node-1', 11_200],
  ]);
});
