// A blob sent to a peer in chunks: when the connection breaks mid-transfer, the next attempt asks
// the peer where the upload stands and sends only the rest (Content-Range from that offset), and
// the peer ends up with the blob under its digest.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import type { ReplicationTask } from '../domain/records/replication.js';
import { startBerth, TEST_ADMIN, type TestBerth } from '../testing/server.js';
import { PeerTarget, UploadResumes } from './replica-peer.js';

let peer: TestBerth;
let proxy: Server;
let proxyUrl: string;
const seen: { method: string; range?: string }[] = [];
let breakPatch = 0;

before(async () => {
  peer = await startBerth({ settings: { auth: { mode: 'iam' }, registry: { region: 'eu-west-1' } } });
  const target = new URL(peer.url);
  // Passes everything on, and cuts the connection of the PATCH numbered `breakPatch` once.
  let patches = 0;
  proxy = createServer((req, res) => {
    seen.push({
      method: req.method ?? '',
      ...(req.headers['content-range'] && { range: req.headers['content-range'] }),
    });
    if (req.method === 'PATCH' && ++patches === breakPatch) {
      req.socket.destroy();
      return;
    }
    const forward = request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
});
after(async () => {
  await new Promise((resolve) => proxy.close(resolve));
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
    endpoint: proxyUrl,
    caBundle: '',
    sourceRegion: 'us-east-1',
    credentials: async () => ({ ...TEST_ADMIN }),
  };
  const task = {
    accountId: peer.berth.accountId,
    repositoryName: 'resume/app',
    destination: { region: 'eu-west-1', registryId: peer.berth.accountId },
  } as ReplicationTask;

  breakPatch = 3;
  const first = new PeerTarget(settings, resumes, 64 * 1024);
  await first.prepare(task);
  await assert.rejects(first.pushBlob('resume/app', digest, blob.length, read));
  first.close?.();
  const sentBefore = seen.filter((s) => s.method === 'PATCH').length;
  assert.equal(sentBefore, 3, 'two chunks taken, the third cut');

  breakPatch = 0;
  const second = new PeerTarget(settings, resumes, 64 * 1024);
  await second.prepare(task);
  await second.pushBlob('resume/app', digest, blob.length, read);
  assert.equal(await second.hasBlob('resume/app', digest), true);
  second.close?.();

  const patches = seen.filter((s) => s.method === 'PATCH').map((s) => s.range);
  assert.deepEqual(patches.slice(0, 2), ['0-65535', '65536-131071']);
  assert.equal(patches[3], '131072-196607', 'the second attempt starts where the peer stood, not at 0');
  assert.equal(patches.length, 3 + 4, 'the rest in four chunks (the last one short)');
  assert.ok(
    seen.some((s) => s.method === 'GET'),
    'it asked the peer where the upload stood',
  );
});
