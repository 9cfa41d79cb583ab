// Two nodes on one PostgreSQL database (and one data directory) complete uploads of the same bytes
// at the same moment (node B's disk slow to place them), into repositories encrypted under
// different KMS keys. Completions of one
// digest take turns across nodes (a PostgreSQL advisory lock, upload-completion.ts): the copy
// that stays is one whose data key every repository has its own wrap of, so each repository reads
// its blobs through its own key alone. Shown by pulling each repository's blobs, byte-identical,
// while the other repository's key is disabled (a copy sealed under the other's data key, placed
// over ours after our completion, could only be read through the other's key), then again with
// both keys on, through both nodes. On PostgreSQL whatever the pass (SQLite is one process).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { callApi } from '../testing/api-client.js';
import { kmsOk } from '../testing/kms.js';
import {
  dropPostgresDatabaseFor,
  postgresAdminUrl,
  postgresDatabaseFor,
  requirePostgres,
} from '../testing/postgres.js';
import { digestOf, OCTET_STREAM, startUpload } from '../testing/registry-client.js';
import { startBerth, tempDir, type TestBerth } from '../testing/server.js';

const DIGESTS = 24;

describe('completing the same digest on two nodes at once, into KMS repositories', () => {
  const dataDir = tempDir('berth-completion-nodes-');
  let a: TestBerth | undefined;
  let b: TestBerth | undefined;

  before(async () => {
    if (!postgresAdminUrl()) return;
    const url = await postgresDatabaseFor(dataDir);
    a = await startBerth({ listen: false, dataDir, settings: { nodeId: 'node-a', metadata: { url } } });
    b = await startBerth({ listen: false, dataDir, settings: { nodeId: 'node-b', metadata: { url } } });
  });

  after(async () => {
    await a?.close();
    await b?.close();
    rmSync(dataDir, { recursive: true, force: true });
    if (postgresAdminUrl()) await dropPostgresDatabaseFor(dataDir);
  });

  it('keeps one copy each repository reads through its own key; every pull is byte-identical', async (t) => {
    if (!requirePostgres(t)) return;
    const nodeA = a!.berth.app;
    const nodeB = b!.berth.app;
    const keyOf = async () => (await kmsOk(nodeA, 'CreateKey', {})).KeyMetadata.KeyId as string;
    const [keyA, keyB] = [await keyOf(), await keyOf()];
    for (const [name, key] of [
      ['nodes/left', keyA],
      ['nodes/right', keyB],
    ] as const) {
      const res = await callApi(nodeA, 'CreateRepository', {
        repositoryName: name,
        encryptionConfiguration: { encryptionType: 'KMS', kmsKey: key },
      });
      assert.equal(res.statusCode, 200, res.body);
    }

    // Each blob's two uploads are opened and filled first, then completed on both nodes at once.
    const blobs = Array.from({ length: DIGESTS }, () => randomBytes(70_000 + Math.floor(Math.random() * 70_000)));
    const opened = await Promise.all(
      blobs.map(async (bytes) => {
        const sides = await Promise.all(
          [
            [nodeA, 'nodes/left'],
            [nodeB, 'nodes/right'],
          ].map(async ([app, name]) => {
            const location = await startUpload(app as typeof nodeA, name as string);
            const patched = await (app as typeof nodeA).inject({
              method: 'PATCH',
              url: location,
              headers: OCTET_STREAM,
              payload: bytes,
            });
            assert.equal(patched.statusCode, 202, patched.body);
            return { app: app as typeof nodeA, location: patched.headers.location as string };
          }),
        );
        return { bytes, digest: digestOf(bytes), sides };
      }),
    );
    // Node B's disk is slow to place blobs: without the exclusion across nodes, B finds no copy,
    // A places and links its own meanwhile, and B's lands over it afterwards.
    const driverB = b!.berth.driver;
    const move = driverB.move.bind(driverB);
    driverB.move = async (source, destination) => {
      if (destination.startsWith('/blobs/')) await sleep(250);
      return move(source, destination);
    };
    await Promise.all(
      opened.flatMap(({ digest, sides }) =>
        sides.map(async ({ app, location }) => {
          const url = `${location}${location.includes('?') ? '&' : '?'}digest=${digest}`;
          const res = await app.inject({ method: 'PUT', url });
          assert.equal(res.statusCode, 201, `${digest}: ${res.statusCode} ${res.body}`);
        }),
      ),
    );

    driverB.move = move;

    const pullAll = async (name: string, label: string) => {
      for (const app of [nodeA, nodeB]) {
        for (const { bytes, digest } of opened) {
          const res = await app.inject({ url: `/v2/${name}/blobs/${digest}` });
          assert.equal(res.statusCode, 200, `${label}: ${name} ${digest}: ${res.statusCode} ${res.body}`);
          assert.ok(res.rawPayload.equals(bytes), `${label}: ${name} ${digest} byte-identical`);
        }
      }
    };
    // Each repository through its own key alone: the other's disabled.
    await kmsOk(nodeA, 'DisableKey', { KeyId: keyB });
    await pullAll('nodes/left', 'with the right key disabled');
    await kmsOk(nodeA, 'EnableKey', { KeyId: keyB });
    await kmsOk(nodeA, 'DisableKey', { KeyId: keyA });
    await pullAll('nodes/right', 'with the left key disabled');
    await kmsOk(nodeA, 'EnableKey', { KeyId: keyA });
    await pullAll('nodes/left', 'both keys on');
    await pullAll('nodes/right', 'both keys on');
  });
});
