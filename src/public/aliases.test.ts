// The alias flow end to end: a default alias on the first public repository, custom requests
// validated and refused when reserved, PENDING until `berth admin aliases approve` (or the admin
// API) decides, the approved alias primary, and images pullable under both aliases.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MediaTypes } from '../domain/media-types.js';
import { runScript } from '../testing/cli.js';
import { testMetadataUrl } from '../testing/postgres.js';
import { bearerToken, publicApi, publicPassword, pushPublicImage } from '../testing/public-registry.js';
import { CLI, startBerth, type TestBerth } from '../testing/server.js';

describe('registry aliases', () => {
  let server: TestBerth;
  let publicUrl: string;
  let defaultAlias: string;
  let other: { accessKeyId: string; secretAccessKey: string };

  const request = (aliasName: string, options: { credentials?: typeof other; status?: number } = {}) =>
    publicApi(server.berth.app, 'RequestRegistryAlias', { aliasName }, { prefix: 'BerthPublicRegistry', ...options });
  const admin = async (args: string[]) => {
    const metadataUrl = await testMetadataUrl(server.dataDir);
    return runScript(CLI, ['admin', '--data-dir', server.dataDir, ...args], {
      ...(metadataUrl && { BERTH_METADATA_URL: metadataUrl }),
      BERTH_PUBLIC_RESERVED_ALIASES: 'acme',
    });
  };
  const pull = async (reference: string) => {
    const token = await bearerToken(publicUrl, `repository:${reference}:pull`);
    return (
      await fetch(`${publicUrl}/v2/${reference}/manifests/1.0`, {
        headers: { authorization: `Bearer ${token}`, accept: MediaTypes.ociManifest },
      })
    ).status;
  };

  before(async () => {
    server = await startBerth({ settings: { auth: { mode: 'iam' }, public: { reservedAliases: ['acme', 'Globex'] } } });
    publicUrl = server.berth.publicUrl();
    const account = await server.berth.identities.createAccount();
    const key = await server.berth.identities.createAccessKeyFor(account.id);
    other = { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey };
  });
  after(() => server.close());

  it('gives an account its default alias with its first public repository, and no sooner', async () => {
    assert.deepEqual((await publicApi(server.berth.app, 'DescribeRegistries')).registries, []);
    await publicApi(server.berth.app, 'CreateRepository', { repositoryName: 'tools/cli' });
    const { aliases } = (await publicApi(server.berth.app, 'DescribeRegistries')).registries[0];
    assert.equal(aliases.length, 1);
    defaultAlias = aliases[0].name;
    assert.deepEqual(aliases[0], {
      name: defaultAlias,
      status: 'ACTIVE',
      primaryRegistryAlias: true,
      defaultRegistryAlias: true,
    });
    await publicApi(server.berth.app, 'CreateRepository', { repositoryName: 'tools/other' });
    assert.equal(
      (await publicApi(server.berth.app, 'DescribeRegistries')).registries[0].aliases.length,
      1,
      'one default alias per account',
    );
    const token = await bearerToken(
      publicUrl,
      `repository:${defaultAlias}/tools/cli:push`,
      await publicPassword(server.berth.app),
    );
    await pushPublicImage(publicUrl, token, `${defaultAlias}/tools/cli`, '1.0');
    assert.equal(await pull(`${defaultAlias}/tools/cli`), 200);
  });

  it('refuses malformed and reserved names, and names already taken', async () => {
    for (const name of [
      'berth',
      'v2',
      'acme',
      'globex',
      'Uppercase',
      '9lives',
      'a',
      'x'.repeat(51),
      'trailing-',
      defaultAlias,
    ]) {
      const refused = await request(name, { status: 400 });
      assert.equal(refused.__type, 'InvalidParameterException', name);
    }
    assert.deepEqual(
      (await publicApi(server.berth.app, 'DescribeRegistries')).registries[0].aliases.map(
        (a: { name: string }) => a.name,
      ),
      [defaultAlias],
    );
  });

  it('keeps a custom alias PENDING until approved; then it is primary, and both aliases pull', async () => {
    const requested = await request('example-tools');
    assert.deepEqual(
      { ...requested.alias, createdAt: 0 },
      {
        name: 'example-tools',
        registryId: server.berth.accountId,
        status: 'PENDING',
        primaryRegistryAlias: false,
        defaultRegistryAlias: false,
        createdAt: 0,
      },
    );
    assert.equal(
      (await request('example-tools', { credentials: other, status: 400 })).__type,
      'InvalidParameterException',
      'taken by a pending request',
    );
    assert.equal(await pull('example-tools/tools/cli'), 404, 'a pending alias names nothing');
    const registry = (await publicApi(server.berth.app, 'DescribeRegistries')).registries[0];
    assert.deepEqual(
      registry.aliases.map((a: { name: string; status: string }) => [a.name, a.status]),
      [
        [defaultAlias, 'ACTIVE'],
        ['example-tools', 'PENDING'],
      ],
    );
    assert.equal(
      registry.registryUri,
      `${server.berth.config.public.listen.replace(/:0$/, '')}:${new URL(publicUrl).port}/${defaultAlias}`,
    );

    const pending = await admin(['aliases', 'list', '--status', 'pending', '--json']);
    assert.equal(pending.code, 0, pending.stderr);
    assert.deepEqual(
      (JSON.parse(pending.stdout) as { Name: string; Status: string }[]).map((a) => [a.Name, a.Status]),
      [['example-tools', 'PENDING']],
    );
    const approved = await admin(['aliases', 'approve', 'example-tools']);
    assert.equal(approved.code, 0, approved.stderr);
    assert.match(approved.stdout, /example-tools ACTIVE/);
    const again = await admin(['aliases', 'approve', 'example-tools']);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /no pending alias/);

    const after = (await publicApi(server.berth.app, 'DescribeRegistries')).registries[0];
    assert.deepEqual(
      after.aliases.map((a: Record<string, unknown>) => [
        a.name,
        a.status,
        a.primaryRegistryAlias,
        a.defaultRegistryAlias,
      ]),
      [
        [defaultAlias, 'ACTIVE', false, true],
        ['example-tools', 'ACTIVE', true, false],
      ],
    );
    assert.match(after.registryUri, /\/example-tools$/);
    const repository = (await publicApi(server.berth.app, 'DescribeRepositories', { repositoryNames: ['tools/cli'] }))
      .repositories[0];
    assert.match(repository.repositoryUri, /\/example-tools\/tools\/cli$/);
    // The server trusts a resolved alias for up to 5 s (the approval was made by another process).
    const deadline = Date.now() + 7000;
    while ((await pull('example-tools/tools/cli')) !== 200) {
      assert.ok(Date.now() < deadline, 'the approved alias pulls within the cache time');
      await new Promise((r) => setTimeout(r, 250));
    }
    assert.equal(await pull(`${defaultAlias}/tools/cli`), 200, 'the default alias keeps working');
  });

  it('lets only the administrator decide through the admin API, and a rejected alias names nothing', async () => {
    await request('second-name');
    assert.equal(
      (
        await publicApi(
          server.berth.app,
          'ListRegistryAliases',
          {},
          { prefix: 'BerthPublicRegistry', credentials: other, status: 400 },
        )
      ).__type,
      'AccessDeniedException',
    );
    assert.equal(
      (
        await publicApi(
          server.berth.app,
          'ApproveRegistryAlias',
          { aliasName: 'second-name' },
          { prefix: 'BerthPublicRegistry', credentials: other, status: 400 },
        )
      ).__type,
      'AccessDeniedException',
    );
    const listed = await publicApi(
      server.berth.app,
      'ListRegistryAliases',
      { status: 'PENDING' },
      { prefix: 'BerthPublicRegistry' },
    );
    assert.deepEqual(
      listed.aliases.map((a: { name: string }) => a.name),
      ['second-name'],
    );
    const rejected = await publicApi(
      server.berth.app,
      'RejectRegistryAlias',
      { aliasName: 'second-name' },
      { prefix: 'BerthPublicRegistry' },
    );
    assert.equal(rejected.alias.status, 'REJECTED');
    assert.equal(await pull('second-name/tools/cli'), 404);
    assert.equal(
      (await publicApi(server.berth.app, 'DescribeRegistries')).registries[0].aliases.find(
        (a: { name: string }) => a.name === 'second-name',
      ).status,
      'REJECTED',
    );
  });
});
