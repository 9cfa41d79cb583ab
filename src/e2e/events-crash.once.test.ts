// kill -9 of `berth serve` after a push committed and before its event was delivered (the
// receiver is down): the event is in the outbox with the push, and the next start delivers it,
// signed. Then the dead letters: a delivery past its retry window is given up, listed by
// `berth events dead-letters list` and sent again after `replay`.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, test } from 'node:test';
import { digestOf } from '../domain/digest.js';
import { MediaTypes } from '../domain/media-types.js';
import { verifySignature } from '../events/signing.js';
import { signHeaders } from '../testing/aws-signer.js';
import { runScript } from '../testing/cli.js';
import {
  CLI,
  type ChildBerth,
  freePort,
  openTestDeployment,
  spawnBerth,
  TEST_ADMIN,
  tempDir,
} from '../testing/server.js';
import { eventually, WebhookReceiver } from '../testing/webhook-receiver.js';

const SECRET = 'crash-test-signing-secret';
const dirs: string[] = [];
const children: ChildBerth[] = [];
after(async () => {
  for (const child of children) await child.stop('SIGKILL');
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const EVENTS_ENV = {
  BERTH_EVENTS_ALLOW_HTTP_LOOPBACK: 'true',
  BERTH_EVENTS_POLL_MILLISECONDS: '50',
  BERTH_EVENTS_RETRY_BASE_MILLISECONDS: '100',
  BERTH_EVENTS_LEASE_SECONDS: '5',
};

/** A rule for every push of the default account, to the receiver: written in the store before the server starts. */
async function ruleFor(dataDir: string, url: string): Promise<string> {
  const { deployment, close } = await openTestDeployment({ dataDir });
  const accountId = deployment.accountId;
  await deployment.store.events.putRule({
    accountId,
    name: 'pushes',
    pattern: '{"source":["aws.ecr"],"detail":{"action-type":["PUSH"]}}',
    state: 'ENABLED',
    description: null,
    createdAt: Date.now(),
  });
  await deployment.store.events.putTargets([
    { accountId, ruleName: 'pushes', id: 'hook', url, secret: SECRET, format: 'eventbridge', headers: {} },
  ]);
  await close();
  return accountId;
}

/** Pushes a one-layer image over /v2; resolves once the manifest PUT answered 201. */
async function push(base: string, name: string, tag: string): Promise<string> {
  const blob = async (bytes: Buffer) => {
    const digest = digestOf(bytes);
    const res = await fetch(`${base}/v2/${name}/blobs/uploads/?digest=${digest}`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: bytes,
    });
    assert.equal(res.status, 201, await res.text());
    return { mediaType: '', digest, size: bytes.length };
  };
  const config = await blob(
    Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } })),
  );
  const layer = await blob(Buffer.from(`layer ${tag} ${Date.now()}`));
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaTypes.ociManifest,
      config: { ...config, mediaType: MediaTypes.ociConfig },
      layers: [{ ...layer, mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip' }],
    }),
  );
  const res = await fetch(`${base}/v2/${name}/manifests/${tag}`, {
    method: 'PUT',
    headers: { 'content-type': MediaTypes.ociManifest },
    body: manifest,
  });
  assert.equal(res.status, 201, await res.text());
  return digestOf(manifest);
}

/** An events API call to a served Berth, signed as the SDK signs. */
async function eventsApi(base: string, action: string, input: object): Promise<Record<string, any>> {
  const body = JSON.stringify(input);
  const host = new URL(base).host;
  const headers = await signHeaders(
    {
      method: 'POST',
      url: '/',
      host,
      body,
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `AWSEvents.${action}` },
    },
    { credentials: TEST_ADMIN, service: 'events' },
  );
  const res = await fetch(`${base}/`, { method: 'POST', headers, body });
  const text = await res.text();
  assert.equal(res.status, 200, text);
  return JSON.parse(text) as Record<string, any>;
}

test('kill -9 after a push committed, before its event was delivered: the next start delivers it', async () => {
  const dataDir = tempDir();
  dirs.push(dataDir);
  const receiver = new WebhookReceiver(await freePort());
  await ruleFor(dataDir, receiver.url());
  const port = await freePort();
  const first = await spawnBerth(dataDir, port, EVENTS_ENV);
  children.push(first);
  const digest = await push(first.url, 'crash/app', 'v1');
  await first.stop('SIGKILL');
  assert.equal(receiver.all.length, 0, 'the receiver was down');

  await receiver.up();
  try {
    const second = await spawnBerth(dataDir, port, EVENTS_ENV);
    children.push(second);
    await eventually(() => receiver.unique.size === 1, 30_000, 'the event after the restart');
    const [received] = [...receiver.unique.values()];
    assert.ok(verifySignature(SECRET, String(received!.headers['berth-signature']), received!.body));
    const event = JSON.parse(received!.body);
    assert.equal(event['detail-type'], 'ECR Image Action');
    assert.deepEqual(
      [event.detail['repository-name'], event.detail['image-tag'], event.detail['image-digest']],
      ['crash/app', 'v1', digest],
    );
    await second.stop();
  } finally {
    await receiver.down();
  }
});

test('past its retry window a delivery is a dead letter: listed, replayed, then delivered', async () => {
  const dataDir = tempDir();
  dirs.push(dataDir);
  const receiver = new WebhookReceiver(await freePort());
  await ruleFor(dataDir, receiver.url());
  const env = { ...EVENTS_ENV, BERTH_EVENTS_MAX_RETRY_HOURS: '0.0001' };
  const server = await spawnBerth(dataDir, await freePort(), env);
  children.push(server);
  await push(server.url, 'dead/app', 'v1');
  const cli = (...args: string[]) =>
    runScript(CLI, ['events', 'dead-letters', ...args, '--data-dir', dataDir], {
      BERTH_LOG_LEVEL: 'silent',
    });
  let listed: Array<Record<string, any>> = [];
  await eventually(
    async () => {
      const res = await cli('list', '--json');
      assert.equal(res.code, 0, res.stderr);
      listed = JSON.parse(res.stdout);
      return listed.length === 1;
    },
    30_000,
    'a dead letter',
  );
  assert.equal(listed[0]!.Rule, 'pushes');
  assert.equal(listed[0]!.DetailType, 'ECR Image Action');
  assert.match(listed[0]!.LastError, /ECONNREFUSED/);
  assert.ok(listed[0]!.Attempts >= 1);
  // The same through the events API (Berth's own ListDeadLetters), for the caller's account.
  const api = await eventsApi(server.url, 'ListDeadLetters', {});
  assert.deepEqual(
    api.DeadLetters.map((d: Record<string, unknown>) => [d.Id, d.Rule, d.TargetId]),
    [[listed[0]!.Id, 'pushes', 'hook']],
  );
  assert.equal(JSON.parse(api.DeadLetters[0].Event)['detail-type'], 'ECR Image Action');

  await receiver.up();
  try {
    const replayed = await cli('replay');
    assert.equal(replayed.code, 0, replayed.stderr);
    assert.match(replayed.stdout, /1 dead letter\(s\) put back/);
    await eventually(() => receiver.unique.size === 1, 30_000, 'the replayed event');
    assert.equal(JSON.parse((await cli('list', '--json')).stdout).length, 0);
  } finally {
    await server.stop();
    await receiver.down();
  }
});
