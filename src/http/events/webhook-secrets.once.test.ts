// Webhook signing secrets at rest: sealed with the master key (the stored value is not the
// secret), re-sealed by `berth admin rotate-master-key`, and a delivery after the rotation still
// carries a signature the receiver verifies with its secret. A secret stored in plain text (before
// sealing existed) is sealed when the server starts, and still signs.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { verifySignature } from '../../events/signing.js';
import { callApi } from '../../testing/api-client.js';
import { runScript } from '../../testing/cli.js';
import { dropPostgresDatabaseFor, testBackend, testMetadataUrl } from '../../testing/postgres.js';
import { pushImage } from '../../testing/registry-client.js';
import { CLI, freePort, startBerth, type TestBerth, tempDir } from '../../testing/server.js';
import { eventually, WebhookReceiver } from '../../testing/webhook-receiver.js';

const SECRET = 'the-receivers-own-secret-0123456789';
const SETTINGS = { events: { allowHttpLoopback: true, pollMilliseconds: 50, retryBaseMilliseconds: 200 } };

describe('webhook signing secrets', () => {
  let dataDir: string;
  let env: NodeJS.ProcessEnv;
  let receiver: WebhookReceiver;

  before(async () => {
    dataDir = tempDir('berth-webhook-secrets-');
    const metadataUrl = await testMetadataUrl(dataDir);
    env = metadataUrl ? { BERTH_METADATA_URL: metadataUrl } : {};
    receiver = new WebhookReceiver(await freePort());
    await receiver.up();
  });
  after(async () => {
    await receiver.down();
    rmSync(dataDir, { recursive: true, force: true });
    if (testBackend() === 'postgres') await dropPostgresDatabaseFor(dataDir);
  });

  const stored = async (server: TestBerth) =>
    (await server.berth.store.events.getTarget(server.berth.accountId, 'pushes', 'hook'))!.secret;

  /** Pushes a tag and waits for its delivery; asserts its signature verifies with the secret. */
  async function pushedAndVerified(server: TestBerth, tag: string): Promise<void> {
    await pushImage(server.berth.app, 'sealed/app', tag);
    const delivered = () => [...receiver.unique.values()].find((r) => JSON.parse(r.body).detail?.['image-tag'] === tag);
    await eventually(async () => delivered() !== undefined, 20_000, `the delivery of ${tag}`);
    const received = delivered()!;
    assert.ok(
      verifySignature(SECRET, String(received.headers['berth-signature']), received.body, { maxAgeSeconds: 300 }),
      `the signature of ${tag}'s delivery verifies`,
    );
  }

  it('are stored sealed, re-sealed by a master key rotation, and still sign deliveries after it', async () => {
    let sealedBefore: string;
    /** Runs `work` on a server of the data dir, closed whatever happens. */
    const on = async (work: (server: TestBerth) => Promise<void>) => {
      const server = await startBerth({ dataDir, settings: SETTINGS });
      try {
        await work(server);
      } finally {
        await server.close();
      }
    };
    await on(async (server) => {
      const events = async (action: string, input: object) => {
        const res = await callApi(server.berth.app, action, input, {
          target: `AWSEvents.${action}`,
          service: 'events',
        });
        assert.equal(res.statusCode, 200, res.body);
      };
      await events('PutRule', { Name: 'pushes', EventPattern: '{"detail":{"action-type":["PUSH"]}}' });
      await events('PutTargets', {
        Rule: 'pushes',
        Targets: [
          {
            Id: 'hook',
            Arn: receiver.url('/hook'),
            HttpParameters: { HeaderParameters: { 'Berth-Signing-Secret': SECRET } },
          },
        ],
      });
      sealedBefore = await stored(server);
      assert.match(sealedBefore, /^m1:/);
      assert.ok(!sealedBefore.includes(SECRET), 'the stored value is not the secret');
      assert.ok(!Buffer.from(sealedBefore).toString('base64').includes(Buffer.from(SECRET).toString('base64')));
      await pushedAndVerified(server, 'v1');
    });

    const rotated = await runScript(CLI, ['admin', 'rotate-master-key', '--data-dir', dataDir], env);
    assert.equal(rotated.code, 0, rotated.stderr);
    const counts = JSON.parse(/re-sealed (\{.*?\})/.exec(rotated.stderr)![1]!) as Record<string, number>;
    assert.equal(counts.webhookSecrets, 1, rotated.stderr);

    await on(async (server) => {
      const sealedAfter = await stored(server);
      assert.match(sealedAfter, /^m1:/);
      assert.notEqual(sealedAfter, sealedBefore, 'the rotation re-sealed it');
      await pushedAndVerified(server, 'v2');
      // A secret kept in plain text, as before sealing existed: sealed at the next start.
      const key = { accountId: server.berth.accountId, ruleName: 'pushes', id: 'hook' };
      assert.ok(await server.berth.store.events.replaceSecret(key, sealedAfter, SECRET));
    });
    await on(async (server) => {
      await eventually(async () => (await stored(server)).startsWith('m1:'), 10_000, 'the plain secret sealed');
      assert.ok(!(await stored(server)).includes(SECRET));
      await pushedAndVerified(server, 'v3');
    });
  });
});
