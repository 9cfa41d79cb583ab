// The console's pages over HTTP (app.inject): the feature pages (lifecycle, pull-through cache,
// replication, scanning, usage) with their refusals in the API's words, the access check weighing
// identity policies, users and keys editable where IAM allows, validation as you type, a public
// repository's catalog data, and the repository list's sorting.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { setRootConsolePassword } from '../../app/console-password.js';
import { fileURLToPath } from 'node:url';
import { importAdvisories } from '../../scanning/advisories.js';
import { callApi, loggedIn, registryPassword } from '../../testing/api-client.js';
import { nodeAppLayers, pushLayeredImage } from '../../testing/scan-images.js';
import { MediaTypes } from '../../domain/media-types.js';
import { descriptorOf, pushBlob, pushImage, pushManifest } from '../../testing/registry-client.js';
import { consoleScaffold, FORM, ROOT_PRINCIPAL as ROOT } from '../../testing/console.js';
import { startBerth, type TestBerth } from '../../testing/server.js';

const ROOT_PASSWORD = 'Root-console-1!';
let test: TestBerth;
let app: FastifyInstance;
let A: string;

const { signIn, session, profiles } = consoleScaffold(() => test);

before(async () => {
  test = await startBerth({
    listen: false,
    settings: { auth: { mode: 'iam' }, console: { maxFailures: 3 }, scanning: { pollMilliseconds: 100 } },
  });
  app = test.berth.app;
  A = test.berth.accountId;
  await setRootConsolePassword(test.berth as never, A, ROOT_PASSWORD);
});
after(() => test?.close());

describe('the console pages over HTTP', () => {
  it('serves the feature pages through the services, with their refusals in the API words', async () => {
    const admin = await session('root', ROOT_PASSWORD);
    const post = (url: string, fields: Record<string, string>, who = admin) =>
      app.inject({
        method: 'POST',
        url,
        headers: { ...FORM, cookie: who.cookie },
        payload: new URLSearchParams({ csrf: who.csrf, ...fields }).toString(),
      });
    const get = (url: string, who = admin) => app.inject({ method: 'GET', url, headers: { cookie: who.cookie } });
    await post('/console/create-repository', { name: 'features/app' });
    // Lifecycle: a bad policy is refused with ECR's exception; a good one is saved and previewed.
    const bad = await post('/console/lifecycle', { repository: 'features/app', op: 'save', policy: '{"rules":[]}' });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /Lifecycle policy validation failure/);
    const policy = JSON.stringify({
      rules: [
        {
          rulePriority: 1,
          description: 'Keep the five newest images',
          selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 5 },
          action: { type: 'expire' },
        },
      ],
    });
    assert.equal(
      (await post('/console/lifecycle', { repository: 'features/app', op: 'save', policy })).statusCode,
      200,
    );
    const preview = await post('/console/lifecycle', { repository: 'features/app', op: 'preview', policy });
    assert.equal(preview.statusCode, 200, preview.body);
    assert.match(preview.body, /Preview COMPLETE: 0 image\(s\) affected/);
    assert.equal((await get('/console/lifecycle?repository=no-such-repo')).statusCode, 404);
    // Pull-through: a malformed prefix and a host not allowed are the client's; a good rule is listed and deleted.
    const prefix = await post('/console/pull-through', { op: 'create', prefix: 'Bad_Prefix!', url: 'quay.io' });
    assert.equal(prefix.statusCode, 400);
    assert.match(prefix.body, /InvalidParameterException/);
    const host = await post('/console/pull-through', { op: 'create', prefix: 'evil', url: 'evil.example' });
    assert.equal(host.statusCode, 400);
    assert.match(host.body, /UnsupportedUpstreamRegistryException/);
    assert.equal(
      (await post('/console/pull-through', { op: 'create', prefix: 'quay', url: 'quay.io' })).statusCode,
      200,
    );
    assert.match((await get('/console/pull-through')).body, /<code>quay<\/code>/);
    assert.equal((await post('/console/pull-through', { op: 'delete', prefix: 'quay' })).statusCode, 200);
    assert.equal((await post('/console/pull-through', { op: 'delete', prefix: 'quay' })).statusCode, 404);
    // Replication: a rule to another account is stored; one to this registry itself is refused.
    const self = await post('/console/replication', { op: 'add', region: 'us-east-1', registryId: A });
    assert.equal(self.statusCode, 400);
    assert.match(self.body, /is the source registry/);
    const added = await post('/console/replication', {
      op: 'add',
      region: 'us-east-1',
      registryId: '111122223333',
      filters: 'features/',
    });
    assert.equal(added.statusCode, 200, added.body);
    assert.deepEqual(await test.berth.services.replication.rules({ registry: { accountId: A } } as never), [
      {
        destinations: [{ region: 'us-east-1', registryId: '111122223333' }],
        repositoryFilters: [{ filter: 'features/', filterType: 'PREFIX_MATCH' }],
      },
    ]);
    assert.equal((await post('/console/replication', { op: 'remove', rule: '7' })).statusCode, 400);
    assert.equal((await post('/console/replication', { op: 'remove', rule: '0' })).statusCode, 200);
    // Scanning: filters are checked as the model checks them.
    assert.equal((await post('/console/scanning', { onPush: 'NOT VALID' })).statusCode, 400);
    assert.equal((await post('/console/scanning', { onPush: 'features/*' })).statusCode, 200);
    assert.match((await get('/console/scanning')).body, />features\/\*<\/textarea>/);
    // Usage: the account's report; a bad range is the client's.
    assert.equal((await get('/console/usage')).statusCode, 200);
    assert.equal((await get('/console/usage?from=2026-02-01&to=2026-01-01')).statusCode, 400);
    // A user without the permissions is refused each page in the API's words.
    await test.berth.identities.createUser(A, 'nobody');
    await profiles().create({ ...ROOT, accountId: A }, 'nobody', 'Nobody-pass-1!', false);
    const nobody = await session('nobody', 'Nobody-pass-1!');
    for (const [url, action] of [
      ['/console/lifecycle?repository=features/app', 'ecr:GetLifecyclePolicy'],
      ['/console/pull-through', 'ecr:DescribePullThroughCacheRules'],
      ['/console/replication', 'ecr:DescribeRegistry'],
      ['/console/scanning', 'ecr:GetRegistryScanningConfiguration'],
      ['/console/usage', 'ecr:DescribeRegistry'],
    ] as const) {
      const res = await get(url, nobody);
      assert.equal(res.statusCode, 403, url);
      assert.match(res.body, new RegExp(`AccessDeniedException: .*not authorized to perform: ${action}`), url);
    }
    const forged = await post('/console/pull-through', { op: 'create', prefix: 'quay', url: 'quay.io' }, nobody);
    assert.equal(forged.statusCode, 403);
    assert.match(forged.body, /not authorized to perform: ecr:CreatePullThroughCacheRule/);
  });

  it('answers the access check with identity policies weighed, naming the deciding statement', async () => {
    const admin = await session('root', ROOT_PASSWORD);
    await app.inject({
      method: 'POST',
      url: '/console/create-repository',
      headers: { ...FORM, cookie: admin.cookie },
      payload: new URLSearchParams({ csrf: admin.csrf, name: 'checked/app' }).toString(),
    });
    await test.berth.identities.createUser(A, 'checker');
    await test.berth.userPolicies.putUserPolicy(
      A,
      'checker',
      'pull-not-delete',
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          { Sid: 'Pull', Effect: 'Allow', Action: ['ecr:BatchGetImage', 'ecr:BatchDeleteImage'], Resource: '*' },
          { Sid: 'NoDelete', Effect: 'Deny', Action: 'ecr:BatchDeleteImage', Resource: '*' },
        ],
      }),
    );
    const ask = async (principal: string, action: string) => {
      const res = await app.inject({
        method: 'GET',
        url: `/console/repositories/checked/app/-/permissions?${new URLSearchParams({ principal, action })}`,
        headers: { cookie: admin.cookie },
      });
      assert.equal(res.statusCode, 200);
      return /id="access-answer">([^<]*)</.exec(res.body)?.[1] ?? '';
    };
    const checker = `arn:aws:iam::${A}:user/checker`;
    assert.match(
      await ask(checker, 'ecr:BatchGetImage'),
      /^Allowed: .* by statement &quot;Pull&quot; of the identity policy &quot;pull-not-delete&quot;/,
    );
    assert.match(
      await ask(checker, 'ecr:BatchDeleteImage'),
      /^Denied: statement &quot;NoDelete&quot; of the identity policy/,
    );
    assert.match(await ask(checker, 'ecr:PutImage'), /^Not allowed: no statement/);
    assert.match(await ask(`arn:aws:iam::${A}:root`, 'ecr:PutImage'), /^Allowed: .*\(the account root\)/);
    assert.match(await ask(`arn:aws:iam::${A}:user/nobody-such`, 'ecr:PutImage'), /^No such principal/);
    assert.match(await ask('not an arn', 'ecr:PutImage'), /^Name a principal by ARN/);
  });

  it('edits users, keys and passwords for those IAM allows, and refuses a forged POST in the API words', async () => {
    const admin = await session('root', ROOT_PASSWORD);
    const post = (fields: Record<string, string>, who = admin) =>
      app.inject({
        method: 'POST',
        url: '/console/users',
        headers: { ...FORM, cookie: who.cookie },
        payload: new URLSearchParams({ csrf: who.csrf, ...fields }).toString(),
      });
    assert.equal((await post({ op: 'create-user', user: 'ops' })).statusCode, 200);
    const dup = await post({ op: 'create-user', user: 'ops' });
    assert.equal(dup.statusCode, 409);
    assert.match(dup.body, /EntityAlreadyExists: /);
    const key = await post({ op: 'create-key', user: 'ops' });
    const id = /<code>(AKIA[A-Z0-9]+)<\/code>/.exec(key.body)?.[1];
    assert.ok(id && /id="new-secret">[A-Za-z0-9/+]{40}</.test(key.body), 'the secret is shown');
    assert.equal((await post({ op: 'key-status', user: 'ops', key: id, status: 'Inactive' })).statusCode, 200);
    const listed = await app.inject({ method: 'GET', url: '/console/users', headers: { cookie: admin.cookie } });
    assert.match(listed.body, new RegExp(`${id}</code> Inactive`));
    assert.doesNotMatch(listed.body, /new-secret/);
    const weak = await post({ op: 'set-password', user: 'ops', password: 'weak' });
    assert.equal(weak.statusCode, 400);
    assert.equal((await post({ op: 'set-password', user: 'ops', password: 'Ops-console-1!' })).statusCode, 200);
    assert.equal((await signIn(A, 'ops', 'Ops-console-1!')).statusCode, 303);
    assert.equal((await post({ op: 'delete-password', user: 'ops' })).statusCode, 200);
    assert.equal((await post({ op: 'delete-key', user: 'ops', key: id })).statusCode, 200);
    // A user with no IAM permissions gets no buttons, and a forged POST gets the API's denial.
    await test.berth.identities.createUser(A, 'plain');
    await profiles().create({ ...ROOT, accountId: A }, 'plain', 'Plain-pass-1!', false);
    const plain = await session('plain', 'Plain-pass-1!');
    const page = await app.inject({ method: 'GET', url: '/console/users', headers: { cookie: plain.cookie } });
    assert.equal(page.statusCode, 403);
    assert.doesNotMatch(page.body, /Create user|Delete ops/);
    const forged = await post({ op: 'delete-user', user: 'ops' }, plain);
    assert.equal(forged.statusCode, 403);
    assert.match(forged.body, /is not authorized to perform: iam:DeleteUser/);
    assert.equal((await post({ op: 'delete-user', user: 'ops' })).statusCode, 200);
    assert.equal(await test.berth.store.identities.getUserByName(A, 'ops'), undefined);
  });

  it('validates a policy as it is typed, with the engine, for the console script', async () => {
    const admin = await session('root', ROOT_PASSWORD);
    const script = await app.inject({ method: 'GET', url: '/console/static/console.js' });
    assert.equal(script.statusCode, 200);
    assert.match(String(script.headers['content-type']), /text\/javascript/);
    const validate = (fields: Record<string, string>, csrf = admin.csrf) =>
      app.inject({
        method: 'POST',
        url: '/console/validate-policy',
        headers: { ...FORM, cookie: admin.cookie },
        payload: new URLSearchParams({ csrf, ...fields }).toString(),
      });
    const bad = await validate({
      kind: 'repository',
      policy: '{"Version":"2012-10-17","Statement":[{"Effect":"Allow"}]}',
    });
    assert.equal(bad.statusCode, 200);
    assert.equal(bad.json().valid, false);
    assert.match(bad.json().message, /Invalid parameter at 'PolicyText'/);
    const good = await validate({
      kind: 'repository',
      policy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: '*', Action: 'ecr:BatchGetImage' }],
      }),
    });
    assert.deepEqual(good.json(), { valid: true, message: 'Valid policy.' });
    assert.equal((await validate({ kind: 'registry', policy: 'not json' })).json().valid, false);
    assert.equal((await validate({ kind: 'repository', policy: '{}' }, 'forged')).statusCode, 403);
  });

  it('edits a public repository catalog data: Markdown previewed as the gallery sanitizes it, a logo uploaded', async () => {
    const admin = await session('root', ROOT_PASSWORD);
    const root = { kind: 'root', accountId: A, arn: `arn:aws:iam::${A}:root`, userId: A, accessKeyId: '' } as const;
    await test.berth.publicServices.repositories.create(
      { principal: root, registry: { accountId: A, visibility: 'public' } },
      { name: 'pub/app' },
    );
    const png = Buffer.from(
      '89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8ffff3f0005fe02fea7d6a4a30000000049454e44ae426082',
      'hex',
    );
    const send = async (fields: Record<string, string | string[]>, logo?: Buffer, who = admin) => {
      const form = new FormData();
      form.append('csrf', who.csrf);
      for (const [k, v] of Object.entries(fields)) for (const one of [v].flat()) form.append(k, one);
      if (logo) form.append('logo', new Blob([new Uint8Array(logo)]), 'logo.png');
      const request = new Request('http://x/', { method: 'POST', body: form });
      return app.inject({
        method: 'POST',
        url: '/console/catalog/pub/app',
        headers: { cookie: who.cookie, 'content-type': request.headers.get('content-type')! },
        payload: Buffer.from(await request.arrayBuffer()),
      });
    };
    const about = '# Hello\n\n<script>alert(1)</script> [site](javascript:alert(1)) **bold**';
    const preview = await send({ op: 'preview', description: 'An app', about, usage: 'docker pull it' });
    assert.equal(preview.statusCode, 200);
    assert.match(preview.body, /<h1>Hello<\/h1>/);
    assert.match(preview.body, /<strong>bold<\/strong>/);
    assert.doesNotMatch(preview.body, /<script>alert|href="javascript:/);
    const saved = await send(
      {
        op: 'save',
        description: 'An app',
        about,
        usage: 'docker pull it',
        architectures: ['ARM 64', 'bogus'],
        operatingSystems: 'Linux',
      },
      png,
    );
    assert.equal(saved.statusCode, 200, saved.body);
    const page = (
      await app.inject({ method: 'GET', url: '/console/catalog/pub/app', headers: { cookie: admin.cookie } })
    ).body;
    assert.match(page, /name="description" value="An app"/);
    assert.match(page, /value="ARM 64" checked/);
    assert.doesNotMatch(page, /value="ARM" checked|bogus/);
    assert.match(page, /value="Linux" checked/);
    assert.match(page, new RegExp(`A image/png logo of ${png.length} bytes is set`));
    const notImage = await send({ op: 'save', description: 'x' }, Buffer.from('<svg></svg>'));
    assert.equal(notImage.statusCode, 400);
    assert.match(notImage.body, /the logo must be a PNG, JPEG, GIF or WebP image/);
    const noCsrf = await send({ op: 'save' }, undefined, { ...admin, csrf: 'forged' });
    assert.equal(noCsrf.statusCode, 403);
  });

  it('sorts the repository list by name or creation time, in keyset pages', async () => {
    const admin = await session('root', ROOT_PASSWORD);
    for (const name of ['sorted/m', 'sorted/a', 'sorted/z']) {
      const res = await app.inject({
        method: 'POST',
        url: '/console/create-repository',
        headers: { ...FORM, cookie: admin.cookie },
        payload: new URLSearchParams({ csrf: admin.csrf, name }).toString(),
      });
      assert.equal(res.statusCode, 303, res.body);
      await new Promise((r) => setTimeout(r, 5));
    }
    const order = async (query: string) => {
      const res = await app.inject({
        method: 'GET',
        url: `/console/repositories?${query}`,
        headers: { cookie: admin.cookie },
      });
      assert.equal(res.statusCode, 200);
      return [...res.body.matchAll(/>(sorted\/[amz])<\/a>/g)].map((m) => m[1]);
    };
    assert.deepEqual(await order('sort=name'), ['sorted/a', 'sorted/m', 'sorted/z']);
    assert.deepEqual(await order('sort=newest'), ['sorted/z', 'sorted/a', 'sorted/m']);
    assert.deepEqual(await order('sort=oldest'), ['sorted/m', 'sorted/a', 'sorted/z']);
    // A keyset after sorted/a (newest first) continues with what was made before it; a malformed one starts over.
    const created = (await test.berth.store.repositories.get(A, 'sorted/a'))!.createdAt;
    assert.deepEqual(await order(`sort=newest&after=${created}:sorted/a`), ['sorted/m']);
    assert.deepEqual(await order('sort=newest&after=not-a-keyset'), ['sorted/z', 'sorted/a', 'sorted/m']);
  });

  it("shows an index's platforms in the images list and on its page, each child linked", async () => {
    const admin = await session('root', ROOT_PASSWORD);
    const client = loggedIn(app, await registryPassword(app));
    const name = 'multi/app';
    const amd64 = await pushImage(client, name);
    const armConfig = await pushBlob(
      client,
      name,
      Buffer.from(
        JSON.stringify({ architecture: 'arm64', variant: 'v8', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } }),
      ),
      MediaTypes.ociConfig,
    );
    const arm64 = await pushManifest(
      client,
      name,
      undefined,
      { schemaVersion: 2, mediaType: MediaTypes.ociManifest, config: armConfig, layers: [] },
      MediaTypes.ociManifest,
    );
    const index = await pushManifest(
      client,
      name,
      'multi',
      {
        schemaVersion: 2,
        mediaType: MediaTypes.ociIndex,
        manifests: [
          descriptorOf(amd64, { platform: { os: 'linux', architecture: 'amd64' } }),
          descriptorOf(arm64, { platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } }),
        ],
      },
      MediaTypes.ociIndex,
    );
    const list = await app.inject({
      method: 'GET',
      url: `/console/repositories/${name}`,
      headers: { cookie: admin.cookie },
    });
    assert.equal(list.statusCode, 200);
    const row = list.body.split('<tr').find((r) => r.includes(index.digest.slice(0, 19)));
    assert.ok(row, 'the index is listed');
    assert.match(row, /linux\/amd64, linux\/arm64\/v8/);
    const page = await app.inject({
      method: 'GET',
      url: `/console/repositories/${name}/-/image/${index.digest}`,
      headers: { cookie: admin.cookie },
    });
    assert.equal(page.statusCode, 200, page.body);
    assert.match(page.body, /<h2>Platforms<\/h2>/);
    for (const [platform, child] of [
      ['linux/amd64', amd64],
      ['linux/arm64/v8', arm64],
    ] as const)
      assert.match(
        page.body,
        new RegExp(`<tr><td>${platform.replaceAll('/', '\\/')}</td><td><a href="[^"]*/-/image/${child.digest}">`),
      );
    // The arm64 child's own page reads its platform from its config.
    const child = await app.inject({
      method: 'GET',
      url: `/console/repositories/${name}/-/image/${arm64.digest}`,
      headers: { cookie: admin.cookie },
    });
    assert.equal(child.statusCode, 200);
    assert.match(child.body, /id="image-platform">linux\/arm64\/v8</);
  });

  it("shows a scanned image's findings, most severe first, and its scan status in the list", async () => {
    const admin = await session('root', ROOT_PASSWORD);
    await importAdvisories(
      test.berth.store,
      fileURLToPath(new URL('../../../src/scanning/testdata/osv/', import.meta.url)),
    );
    const client = loggedIn(app, await registryPassword(app));
    const name = 'scanned/shop';
    const image = await pushLayeredImage(client, name, 'v1', nodeAppLayers());
    const started = await callApi(app, 'StartImageScan', { repositoryName: name, imageId: { imageTag: 'v1' } });
    assert.equal(started.statusCode, 200, started.body);
    let status = '';
    for (let i = 0; i < 300 && status !== 'COMPLETE'; i++) {
      const found = await callApi(app, 'DescribeImageScanFindings', {
        repositoryName: name,
        imageId: { imageTag: 'v1' },
      });
      status = (found.json() as { imageScanStatus: { status: string } }).imageScanStatus.status;
      if (status !== 'COMPLETE') await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(status, 'COMPLETE');
    const page = await app.inject({
      method: 'GET',
      url: `/console/repositories/${name}/-/image/${image.digest}`,
      headers: { cookie: admin.cookie },
    });
    assert.equal(page.statusCode, 200, page.body);
    const rows = [
      ...page.body.matchAll(/<tr><td><span class="sev sev-[a-z]+">([A-Z]+)<\/span><\/td><td>(?:<a [^>]*>)?([^<]+)/g),
    ].map((m) => [m[1], m[2]]);
    assert.deepEqual(rows, [
      ['CRITICAL', 'GHSA-xvch-5gv4-984h'],
      ['HIGH', 'GHSA-35jh-r3h4-6jhm'],
      ['MEDIUM', 'DEBIAN-CVE-2024-0727'],
      ['LOW', 'DEBIAN-CVE-2023-50495'],
    ]);
    const list = await app.inject({
      method: 'GET',
      url: `/console/repositories/${name}`,
      headers: { cookie: admin.cookie },
    });
    const row = list.body.split('<tr').find((r) => r.includes(image.digest.slice(0, 19)));
    assert.ok(row, 'the image is listed');
    assert.match(row, /<td>1 critical, 1 high, 1 medium, 1 low<\/td>/);
  });
});
