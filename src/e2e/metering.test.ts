// Metering against a known workload: images of known sizes pushed (a layer shared by two
// repositories), pulled signed and anonymous, over the main and the public listener; the usage
// report (GET /admin/usage and `berth usage`) must show the bytes served and stored within 1%.
// Then two nodes on one PostgreSQL database, each counting its own pulls: the report sums them.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { SetRepositoryPolicyCommand } from '@aws-sdk/client-ecr';
import { MediaTypes } from '../domain/media-types.js';
import { bearerToken, publicApi, publicPassword, pushPublicImage } from '../testing/public-registry.js';
import { ecrClient, RegistryHttp } from '../testing/ecr-http.js';
import { runScript } from '../testing/cli.js';
import {
  dropPostgresDatabaseFor,
  postgresAdminUrl,
  postgresDatabaseFor,
  requirePostgres,
  testBackend,
  testMetadataUrl,
} from '../testing/postgres.js';
import { CLI, freePort, spawnBerth, startBerth, tempDir, type ChildBerth, type TestBerth } from '../testing/server.js';

const A = 300_000;
const B = 100_000;
const C = 50_000;

interface Row {
  accountId: string;
  repository: string;
  visibility: string;
  storedBytes: number;
  physicalBytes: number;
  sharedBytes: number;
  transferOutBytes: number;
  anonymousBytes: number;
  authenticatedBytes: number;
  mainListenerBytes: number;
  publicListenerBytes: number;
  publicRepositoryBytes: number;
  privateRepositoryBytes: number;
  requests: number;
  standardGbMonth: number;
  estimatedCostUsd: number;
}

interface Report {
  rows: Row[];
  accounts: (Row & { accountId: string })[];
}

/** Within 1% (and at least one byte) of what was expected. */
function near(actual: number, expected: number, what: string): void {
  assert.ok(
    Math.abs(actual - expected) <= Math.max(1, expected * 0.01),
    `${what}: ${actual}, expected ${expected} (within 1%)`,
  );
}

/** Pushes an image of the given layers under `tag`; the sizes of what it stored. */
async function pushLayers(reg: RegistryHttp, name: string, layers: Buffer[]) {
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', n: randomBytes(8).toString('hex') }));
  const configDescriptor = await reg.blob(name, config);
  const layerDescriptors = [];
  for (const layer of layers)
    layerDescriptors.push({ ...(await reg.blob(name, layer)), mediaType: 'application/vnd.oci.image.layer.v1.tar' });
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaTypes.ociManifest,
      config: configDescriptor,
      layers: layerDescriptors,
    }),
  );
  const res = await reg.putManifest(name, 'v1', manifest);
  assert.equal(res.status, 201, await res.text());
  return { config: config.length, manifest: manifest.length, layers: layerDescriptors };
}

/** GETs a path and returns how many body bytes arrived. */
async function pulled(url: string, headers: Record<string, string> = {}): Promise<number> {
  const res = await fetch(url, { headers });
  assert.ok(res.status === 200 || res.status === 206, `${url}: ${res.status}`);
  return (await res.arrayBuffer()).byteLength;
}

/**
 * The private workload: meter/app (layers A, B) and meter/other (A, C) pushed through `push`;
 * signed pulls of app through `signedUrl`, anonymous pulls of other through `anonymousUrl`.
 * Returns the bytes each received.
 */
async function privateWorkload(pushUrl: string, signedUrl: string, anonymousUrl: string) {
  const ecr = ecrClient(pushUrl);
  const reg = await RegistryHttp.login(pushUrl, ecr);
  const a = randomBytes(A);
  const app = await pushLayers(reg, 'meter/app', [a, randomBytes(B)]);
  const other = await pushLayers(reg, 'meter/other', [a, randomBytes(C)]);
  await ecr.send(
    new SetRepositoryPolicyCommand({
      repositoryName: 'meter/other',
      policyText: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: '*', Action: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'] }],
      }),
    }),
  );
  const signer = await RegistryHttp.login(signedUrl, ecrClient(signedUrl));
  const signed = signer.fetch.bind(signer);
  let signedBytes = 0;
  for (const path of [
    '/v2/meter/app/manifests/v1',
    `/v2/meter/app/blobs/${app.layers[0]!.digest}`,
    `/v2/meter/app/blobs/${app.layers[0]!.digest}`,
    `/v2/meter/app/blobs/${app.layers[1]!.digest}`,
  ]) {
    const res = await signed(path, { headers: { accept: MediaTypes.ociManifest } });
    assert.equal(res.status, 200, path);
    signedBytes += (await res.arrayBuffer()).byteLength;
  }
  const ranged = await signed(`/v2/meter/app/blobs/${app.layers[1]!.digest}`, { headers: { range: 'bytes=0-999' } });
  assert.equal(ranged.status, 206);
  signedBytes += (await ranged.arrayBuffer()).byteLength;
  let anonymousBytes = 0;
  for (const path of [
    '/v2/meter/other/manifests/v1',
    `/v2/meter/other/blobs/${other.layers[0]!.digest}`,
    `/v2/meter/other/blobs/${other.layers[1]!.digest}`,
  ])
    anonymousBytes += await pulled(`${anonymousUrl}${path}`, { accept: MediaTypes.ociManifest });
  assert.equal(signedBytes, app.manifest + 2 * A + B + 1000);
  assert.equal(anonymousBytes, other.manifest + A + C);
  return { reg, signedBytes, anonymousBytes, app, other };
}

const row = (report: Report, name: string, visibility = 'private') =>
  report.rows.find((r) => r.repository === name && r.visibility === visibility);

describe('metering a known workload', { concurrency: false }, () => {
  let server: TestBerth;

  before(async () => {
    server = await startBerth({ settings: { auth: { mode: 'iam' }, metering: { flushSeconds: 3600 } } });
  });
  after(async () => {
    await server?.close();
  });

  it('reports the bytes served over both listeners, signed and anonymous, and the bytes stored, within 1%', async () => {
    const url = server.url;
    const { reg, signedBytes, anonymousBytes, app, other } = await privateWorkload(url, url, url);

    // A public repository on the public listener: pushed with a token, pulled anonymously.
    const berthApp = server.berth.app;
    await publicApi(berthApp, 'CreateRepository', { repositoryName: 'meter/pub' });
    const alias = (await publicApi(berthApp, 'DescribeRegistries')).registries[0].aliases[0].name as string;
    const publicUrl = server.berth.publicUrl();
    const reference = `${alias}/meter/pub`;
    const pushToken = await bearerToken(publicUrl, `repository:${reference}:push,pull`, await publicPassword(berthApp));
    await pushPublicImage(publicUrl, pushToken, reference, 'v1');
    const pullToken = await bearerToken(publicUrl, `repository:${reference}:pull`);
    const auth = { authorization: `Bearer ${pullToken}`, accept: MediaTypes.ociManifest };
    const manifestRes = await fetch(`${publicUrl}/v2/${reference}/manifests/v1`, { headers: auth });
    const manifest = Buffer.from(await manifestRes.arrayBuffer());
    const parsed = JSON.parse(manifest.toString()) as { config: { digest: string }; layers: { digest: string }[] };
    let publicBytes = manifest.length;
    for (const digest of [parsed.config.digest, ...parsed.layers.map((l) => l.digest)])
      publicBytes += await pulled(`${publicUrl}/v2/${reference}/blobs/${digest}`, auth);

    // Nothing is written per pull: the counts wait in memory until the flush.
    assert.deepEqual(
      (await server.berth.store.metering.transfer({ from: 0, to: Date.now() + 3_600_000 })).length,
      0,
      'no row before the flush',
    );
    await server.berth.metering.counter!.flush();
    await server.berth.metering.sampler.sample();
    // The sampling the test just did is the leased job's, declared for every node to take in turn.
    assert.ok(await server.berth.store.jobs.get('sample-storage'), 'the sample-storage job is declared');

    const res = await reg.fetch('/admin/usage?by=repository');
    assert.equal(res.status, 200, await res.clone().text());
    const report = (await res.json()) as Report;
    const appRow = row(report, 'meter/app')!;
    const otherRow = row(report, 'meter/other')!;
    const pubRow = row(report, 'meter/pub', 'public')!;
    near(appRow.transferOutBytes, signedBytes, 'meter/app transfer out');
    near(appRow.authenticatedBytes, signedBytes, 'meter/app authenticated');
    near(appRow.mainListenerBytes, signedBytes, 'meter/app on the main listener');
    assert.equal(appRow.requests, 5);
    near(otherRow.anonymousBytes, anonymousBytes, 'meter/other anonymous');
    near(otherRow.privateRepositoryBytes, anonymousBytes, 'meter/other private repository');
    near(pubRow.publicListenerBytes, publicBytes, 'meter/pub on the public listener');
    near(pubRow.anonymousBytes, publicBytes, 'meter/pub anonymous');
    near(pubRow.publicRepositoryBytes, publicBytes, 'meter/pub public repository');
    // Storage: layer A once for the account, half attributed to each repository that links it.
    near(appRow.physicalBytes, app.config + B, 'meter/app physical');
    near(appRow.sharedBytes, A, 'meter/app shared');
    near(appRow.storedBytes, app.config + B + A / 2, 'meter/app attributed');
    near(otherRow.storedBytes, other.config + C + A / 2, 'meter/other attributed');
    const account = report.accounts.find((t) => t.accountId === appRow.accountId)!;
    near(account.transferOutBytes, signedBytes + anonymousBytes + publicBytes, 'account transfer out');
    assert.ok(account.storedBytes >= app.config + other.config + A + B + C, 'the account stores A once');
    near(account.storedBytes - pubRow.storedBytes, app.config + other.config + A + B + C, 'account stored');

    // The repository view: top puller, counts against the limit, last pull.
    const view = (await (await reg.fetch('/admin/usage/repositories/meter/app')).json()) as Record<string, any>;
    assert.equal(view.images.count, 1);
    assert.equal(view.images.limit, 20_000);
    assert.equal(view.physicalBytes, app.config + B);
    assert.match(view.topPullers[0].principal, /^arn:aws:iam::\d{12}:root$/);
    near(view.topPullers[0].bytes, signedBytes, 'top puller bytes');
    assert.ok(view.lastPulledAt, 'the last pull is shown');

    // CSV from the same API; bad input is the protocol's 400; no credentials is 401.
    const csv = await (await reg.fetch('/admin/usage?format=csv')).text();
    assert.match(csv.split('\n')[0]!, /^accountId,repository,visibility,storedBytes/);
    assert.ok(csv.includes('meter/app'));
    const bad = await reg.fetch('/admin/usage?from=yesterday');
    assert.equal(bad.status, 400);
    assert.equal(((await bad.json()) as { __type: string }).__type, 'InvalidParameterException');
    assert.equal((await reg.fetch('/admin/usage/repositories/meter/none')).status, 404);
    assert.equal((await fetch(`${url}/admin/usage`)).status, 401);

    // Who may see usage: ecr:DescribeRegistry for the report, ecr:DescribeRepositories for a view.
    const { identities, userPolicies, accountId } = server.berth;
    await identities.createUser(accountId, 'metering-dev');
    const dev = await identities.createAccessKeyFor(accountId, 'metering-dev');
    const allow = (actions: string[]) =>
      JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: actions, Resource: '*' }] });
    await userPolicies.putUserPolicy(accountId, 'metering-dev', 'login', allow(['ecr:GetAuthorizationToken']));
    const devReg = await RegistryHttp.login(url, ecrClient(url, dev));
    const denied = await devReg.fetch('/admin/usage');
    assert.equal(denied.status, 403);
    assert.equal(((await denied.json()) as { __type: string }).__type, 'AccessDeniedException');
    assert.equal((await devReg.fetch('/admin/usage/repositories/meter/app')).status, 403);
    await userPolicies.putUserPolicy(
      accountId,
      'metering-dev',
      'usage',
      allow(['ecr:DescribeRegistry', 'ecr:DescribeRepositories']),
    );
    assert.equal((await devReg.fetch('/admin/usage')).status, 200);
    assert.equal((await devReg.fetch('/admin/usage/repositories/meter/app')).status, 200);

    // `berth usage` reads the same database while the server runs.
    const metadataUrl = await testMetadataUrl(server.dataDir);
    const table = await runScript(CLI, ['usage', '--data-dir', server.dataDir], {
      ...(metadataUrl && { BERTH_METADATA_URL: metadataUrl }),
    });
    assert.equal(table.code, 0, table.stderr);
    const lines = table.stdout.split('\n');
    assert.match(lines[0]!, /^ACCOUNT\s+REPOSITORY\s+STORED\s+PHYSICAL\s+SHARED/);
    assert.ok(lines.some((l) => /\smeter\/app\s/.test(l)));
    assert.ok(lines.some((l) => /\spublic\/meter\/pub\s/.test(l)));
    assert.ok(lines.some((l) => l.includes('(account total)')));
  });
});

describe('metering on two nodes sharing one PostgreSQL database', { concurrency: false }, () => {
  const dataDir = tempDir('berth-metering-nodes-');
  const key = `metering-${dataDir}`;
  let url = '';
  let a: ChildBerth | undefined;
  let b: ChildBerth | undefined;

  before(async () => {
    if (!postgresAdminUrl() || testBackend() !== 'postgres') return;
    url = await postgresDatabaseFor(key);
    const start = async (node: string) =>
      spawnBerth(dataDir, await freePort(), {
        BERTH_METADATA_URL: url,
        BERTH_NODE_ID: node,
        BERTH_AUTH_MODE: 'iam',
        BERTH_METERING_FLUSH_SECONDS: '3600',
      });
    a = await start('node-a');
    b = await start('node-b');
  });
  after(async () => {
    await a?.stop();
    await b?.stop();
    rmSync(dataDir, { recursive: true, force: true });
    if (url) await dropPostgresDatabaseFor(key);
  });

  it('each node counts its own pulls and the report sums them, within 1%', async (t) => {
    // The nodes share PostgreSQL whichever the pass: once is enough, on the PostgreSQL pass.
    if (testBackend() !== 'postgres') return t.skip('runs on the PostgreSQL pass');
    if (!requirePostgres(t)) return;
    // Signed pulls through node A, anonymous ones through node B.
    const { signedBytes, anonymousBytes, app, other } = await privateWorkload(a!.url, a!.url, b!.url);
    // Stopping flushes what each node counted.
    await a!.stop();
    await b!.stop();
    const usage = await runScript(CLI, ['usage', '--data-dir', dataDir, '--sample', '--format', 'json'], {
      BERTH_METADATA_URL: url,
    });
    assert.equal(usage.code, 0, usage.stderr);
    const report = JSON.parse(usage.stdout) as Report;
    near(row(report, 'meter/app')!.authenticatedBytes, signedBytes, 'signed pulls through node A');
    near(row(report, 'meter/other')!.anonymousBytes, anonymousBytes, 'anonymous pulls through node B');
    near(row(report, 'meter/app')!.storedBytes, app.config + B + A / 2, 'meter/app attributed');
    near(row(report, 'meter/other')!.storedBytes, other.config + C + A / 2, 'meter/other attributed');
    const csv = await runScript(CLI, ['usage', '--data-dir', dataDir, '--format', 'csv', '--by', 'day'], {
      BERTH_METADATA_URL: url,
    });
    assert.equal(csv.code, 0, csv.stderr);
    const [header, line] = csv.stdout.split('\n');
    const columns = header!.split(',');
    const today = line!.split(',');
    assert.equal(today[columns.indexOf('day')], new Date().toISOString().slice(0, 10));
    near(Number(today[columns.indexOf('transferOutBytes')]), signedBytes + anonymousBytes, 'the day');
  });
});
