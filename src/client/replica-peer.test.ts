// A blob sent to a peer in chunks: when the connection breaks mid-transfer, the next attempt asks
// the peer where the upload stands and sends only the rest (Content-Range from that offset), and
// the peer ends up with the blob under its digest.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import type { ReplicationTask } from '../domain/records/replication.js';
import { type BreakingProxy, breakingProxy } from '../testing/breaking-proxy.js';
import { startBerth, TEST_ADMIN, type TestBerth } from '../testing/server.js';
import { PeerTarget, UploadResumes } from './replica-peer.js';

let peer: TestBerth;
let proxy: BreakingProxy;

before(async () => {
  peer = await startBerth({ settings: { auth: { mode: 'iam' }, registry: { region: 'eu-west-1' } } });
  proxy = await breakingProxy(peer.url);
});
after(async () => {
  await proxy.close();
  await peer.close();
});

test('a transfer that broke off resumes at the bytes the peer has, and the blob arrives whole', async () => {
  const blob = randomBytes(5 * 64 * 1024 + 123);
  const digest = `sha256:${createHash('sha256').update(blob).digest('hex')}`;
  const read = async (offset: number, length: number) =>
    (async function* () {
      yield blob.subarray(offset, offset + length);
    })();
  const resumes = new UploadResumes();
  const settings = {
    region: 'eu-west-1',
    endpoint: proxy.url,
    caBundle: '',
    sourceRegion: 'us-east-1',
    credentials: async () => ({ ...TEST_ADMIN }),
  };
  const task = {
    accountId: peer.berth.accountId,
    repositoryName: 'resume/app',
    destination: { region: 'eu-west-1', registryId: peer.berth.accountId },
  } as ReplicationTask;

  proxy.breakPatch = 3;
  const first = new PeerTarget(settings, resumes, 64 * 1024);
  await first.prepare(task);
  await assert.rejects(first.pushBlob('resume/app', digest, blob.length, read));
  first.close?.();
  const sentBefore = proxy.patches().length;
  assert.equal(sentBefore, 3, 'two chunks taken, the third cut');

  proxy.breakPatch = 0;
  const second = new PeerTarget(settings, resumes, 64 * 1024);
  await second.prepare(task);
  await second.pushBlob('resume/app', digest, blob.length, read);
  assert.equal(await second.hasBlob('resume/app', digest), true);
  second.close?.();

  const patches = proxy.patches();
  assert.deepEqual(patches.slice(0, 2), ['0-65535', '65536-131071']);
  assert.equal(patches[3], '131072-196607', 'the second attempt starts where the peer stood, not at 0');
  assert.equal(patches.length, 3 + 4, 'the rest in four chunks (the last one short)');
  assert.ok(
    proxy.seen.some((s) => s.method === 'GET'),
    'it asked the peer where the upload stood',
  );
});
