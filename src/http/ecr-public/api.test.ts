// The ECR Public API through the real HTTP surface, signed by the AWS SDK's signer for
// ecr-public: public repositories with catalog data, registries and aliases, policies, images
// and layers, tags; every answer held against the ECR Public model's output shapes.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { callApi } from '../../testing/api-client.js';
import { violations, type ServiceModel } from '../../testing/ecr-model.js';
import { startBerth, type TestBerth } from '../../testing/server.js';

const MODEL_PATH = resolve(process.cwd(), '..', 'shared', 'specs', 'aws', 'ecr-public.service-2.json');
const model: ServiceModel | undefined = existsSync(MODEL_PATH)
  ? (JSON.parse(readFileSync(MODEL_PATH, 'utf8')) as ServiceModel)
  : undefined;
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), randomBytes(32)]);

describe('ECR Public API', () => {
  let server: TestBerth;
  let other: { accessKeyId: string; secretAccessKey: string };

  before(async () => {
    server = await startBerth({ settings: { auth: { mode: 'iam' } }, listen: false });
    const account = await server.berth.identities.createAccount();
    const key = await server.berth.identities.createAccessKeyFor(account.id);
    other = { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey };
  });
  after(() => server.close());

  /** Calls an action; asserts the status and that a 200's body fits the model's output shape. */
  async function call(
    action: string,
    input: unknown = {},
    options: { status?: number; credentials?: { accessKeyId: string; secretAccessKey: string } } = {},
  ) {
    const res = await callApi(server.berth.app, action, input, {
      target: `SpencerFrontendService.${action}`,
      service: 'ecr-public',
      ...(options.credentials && { credentials: options.credentials }),
    });
    assert.equal(res.statusCode, options.status ?? 200, `${action}: ${res.body}`);
    const body = res.json() as Record<string, any>;
    if (res.statusCode === 200 && model)
      assert.deepEqual(
        violations(model, model.operations[action]!.output!.shape, body, { strict: true }),
        [],
        `${action} output: ${res.body}`,
      );
    if (res.statusCode !== 200 && model) {
      const allowed = [
        ...(model.operations[action]!.errors ?? []).map((e) => e.shape),
        'AccessDeniedException',
        'UnrecognizedClientException',
        'InvalidSignatureException',
      ];
      assert.ok(allowed.includes(body.__type), `${action} raised ${body.__type}, not an error of the operation`);
    }
    return body;
  }

  it('answers every operation of the model', { skip: !model && 'the ECR Public model is not beside the clone' }, () => {
    assert.deepEqual([...server.berth.ecrPublicActions].sort(), Object.keys(model!.operations).sort());
  });

  it('creates a public repository with catalog data and tags under a default alias, beside a private one of the same name', async () => {
    const created = await call('CreateRepository', {
      repositoryName: 'tools/jq',
      catalogData: {
        description: 'Command-line JSON processor',
        architectures: ['x86-64', 'ARM 64'],
        operatingSystems: ['Linux'],
        aboutText: '# jq',
        usageText: '`jq .`',
        logoImageBlob: PNG.toString('base64'),
      },
      tags: [{ Key: 'team', Value: 'cli' }],
    });
    const registries = await call('DescribeRegistries');
    assert.equal(registries.registries.length, 1);
    const registry = registries.registries[0];
    assert.equal(registry.registryId, server.berth.accountId);
    assert.equal(registry.aliases.length, 1);
    const alias = registry.aliases[0];
    assert.match(alias.name, /^[a-z][a-z0-9]{7}$/);
    assert.deepEqual(
      { ...alias, name: '' },
      { name: '', status: 'ACTIVE', primaryRegistryAlias: true, defaultRegistryAlias: true },
    );
    assert.equal(created.repository.repositoryUri, `${server.berth.config.public.listen}/${alias.name}/tools/jq`);
    assert.equal(created.repository.repositoryArn, `arn:aws:ecr-public::${server.berth.accountId}:repository/tools/jq`);
    assert.equal(created.catalogData.description, 'Command-line JSON processor');
    assert.match(created.catalogData.logoUrl, /\/logos\/[0-9a-f-]+$/);
    assert.equal(created.catalogData.marketplaceCertified, false);

    const tags = await call('ListTagsForResource', { resourceArn: created.repository.repositoryArn });
    assert.deepEqual(tags.tags, [{ Key: 'team', Value: 'cli' }]);
    await call('CreateRepository', { repositoryName: 'tools/jq' }, { status: 400 }).then((b) =>
      assert.equal(b.__type, 'RepositoryAlreadyExistsException'),
    );

    // A private repository of the same name is another repository; private listings never see public ones.
    const privateRes = await callApi(server.berth.app, 'CreateRepository', { repositoryName: 'tools/jq' });
    assert.equal(privateRes.statusCode, 200, privateRes.body);
    const privateList = (await callApi(server.berth.app, 'DescribeRepositories', {})).json() as {
      repositories: { repositoryArn: string }[];
    };
    assert.ok(privateList.repositories.every((r) => r.repositoryArn.startsWith('arn:aws:ecr:')));
    const publicList = await call('DescribeRepositories');
    assert.deepEqual(
      publicList.repositories.map((r: { repositoryName: string }) => r.repositoryName),
      ['tools/jq'],
    );
  });

  it('keeps catalog data (fields left out keep their values) and refuses bad input without changing anything', async () => {
    await call('CreateRepository', { repositoryName: 'catalog/app' });
    const empty = await call('GetRepositoryCatalogData', { repositoryName: 'catalog/app' });
    assert.deepEqual(empty.catalogData, { marketplaceCertified: false });
    await call('PutRepositoryCatalogData', {
      repositoryName: 'catalog/app',
      catalogData: { description: 'first', architectures: ['ARM'] },
    });
    const put = await call('PutRepositoryCatalogData', {
      repositoryName: 'catalog/app',
      catalogData: { aboutText: 'about' },
    });
    assert.deepEqual(put.catalogData, {
      description: 'first',
      architectures: ['ARM'],
      aboutText: 'about',
      marketplaceCertified: false,
    });
    const bad = await call(
      'PutRepositoryCatalogData',
      {
        repositoryName: 'catalog/app',
        catalogData: { description: 'x', logoImageBlob: Buffer.from('<svg onload=alert(1)>').toString('base64') },
      },
      { status: 400 },
    );
    assert.equal(bad.__type, 'InvalidParameterException');
    const tooLong = await call(
      'PutRepositoryCatalogData',
      { repositoryName: 'catalog/app', catalogData: { description: 'x'.repeat(1025) } },
      { status: 400 },
    );
    assert.equal(tooLong.__type, 'InvalidParameterException');
    assert.equal(
      (await call('GetRepositoryCatalogData', { repositoryName: 'catalog/app' })).catalogData.description,
      'first',
    );
    const badCreate = await call(
      'CreateRepository',
      { repositoryName: 'catalog/bad-logo', catalogData: { logoImageBlob: Buffer.from('GIF').toString('base64') } },
      { status: 400 },
    );
    assert.equal(badCreate.__type, 'InvalidParameterException');
    assert.equal(
      (await call('DescribeRepositories', { repositoryNames: ['catalog/bad-logo'] }, { status: 400 })).__type,
      'RepositoryNotFoundException',
    );
    const missing = await call('GetRepositoryCatalogData', { repositoryName: 'catalog/none' }, { status: 400 });
    assert.equal(missing.__type, 'RepositoryNotFoundException');
    assert.match(missing.message, new RegExp(`registry with id '${server.berth.accountId}'`));
  });

  it('stores repository policies as validated JSON documents', async () => {
    await call('CreateRepository', { repositoryName: 'policy/app' });
    assert.equal(
      (await call('GetRepositoryPolicy', { repositoryName: 'policy/app' }, { status: 400 })).__type,
      'RepositoryPolicyNotFoundException',
    );
    assert.equal(
      (await call('SetRepositoryPolicy', { repositoryName: 'policy/app', policyText: '{not json' }, { status: 400 }))
        .__type,
      'InvalidParameterException',
    );
    const policyText = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: '*', Action: ['ecr-public:BatchCheckLayerAvailability'] }],
    });
    const set = await call('SetRepositoryPolicy', { repositoryName: 'policy/app', policyText });
    assert.deepEqual(set, { registryId: server.berth.accountId, repositoryName: 'policy/app', policyText });
    assert.equal((await call('GetRepositoryPolicy', { repositoryName: 'policy/app' })).policyText, policyText);
    assert.equal((await call('DeleteRepositoryPolicy', { repositoryName: 'policy/app' })).policyText, policyText);
    assert.equal(
      (await call('DeleteRepositoryPolicy', { repositoryName: 'policy/app' }, { status: 400 })).__type,
      'RepositoryPolicyNotFoundException',
    );
  });

  it('keeps the registry display name and hands out a registry password', async () => {
    assert.deepEqual(await call('PutRegistryCatalogData', { displayName: 'Example Tools' }), {
      registryCatalogData: { displayName: 'Example Tools' },
    });
    assert.deepEqual(await call('GetRegistryCatalogData'), { registryCatalogData: { displayName: 'Example Tools' } });
    assert.equal(
      (await call('PutRegistryCatalogData', { displayName: 'x'.repeat(101) }, { status: 400 })).__type,
      'InvalidParameterException',
    );
    const auth = await call('GetAuthorizationToken');
    assert.ok(Buffer.from(auth.authorizationData.authorizationToken, 'base64').toString().startsWith('AWS:'));
    assert.ok(auth.authorizationData.expiresAt > Date.now() / 1000);
  });

  it('pushes an image through the layer actions and PutImage, by registry id or alias, and describes and deletes it', async () => {
    await call('CreateRepository', { repositoryName: 'push/app' });
    const alias = (await call('DescribeRegistries')).registries[0].aliases[0].name;
    const blob = async (bytes: Buffer, registryId: string) => {
      const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
      const { uploadId, partSize } = await call('InitiateLayerUpload', { registryId, repositoryName: 'push/app' });
      assert.equal(partSize, 20_971_520);
      const part = await call('UploadLayerPart', {
        registryId,
        repositoryName: 'push/app',
        uploadId,
        partFirstByte: 0,
        partLastByte: bytes.length - 1,
        layerPartBlob: bytes.toString('base64'),
      });
      assert.equal(part.registryId, server.berth.accountId);
      const done = await call('CompleteLayerUpload', {
        registryId,
        repositoryName: 'push/app',
        uploadId,
        layerDigests: [digest],
      });
      assert.equal(done.layerDigest, digest);
      return { digest, size: bytes.length };
    };
    const config = await blob(Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux' })), alias);
    const layer = await blob(randomBytes(300), server.berth.accountId);
    const check = await call('BatchCheckLayerAvailability', {
      registryId: alias,
      repositoryName: 'push/app',
      layerDigests: [layer.digest, 'sha256:nope'],
    });
    assert.deepEqual(check.layers, [{ layerDigest: layer.digest, layerAvailability: 'AVAILABLE', layerSize: 300 }]);
    assert.equal(check.failures[0].failureCode, 'InvalidLayerDigest');
    const manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...layer }],
    });
    const put = await call('PutImage', {
      registryId: alias,
      repositoryName: 'push/app',
      imageManifest: manifest,
      imageTag: '1.0',
    });
    const digest = put.image.imageId.imageDigest;
    assert.equal(
      (
        await call(
          'PutImage',
          { repositoryName: 'push/app', imageManifest: manifest, imageTag: '1.0' },
          { status: 400 },
        )
      ).__type,
      'ImageAlreadyExistsException',
    );
    await call('PutImage', { repositoryName: 'push/app', imageManifest: manifest, imageTag: 'latest' });
    const images = await call('DescribeImages', { repositoryName: 'push/app' });
    assert.equal(images.imageDetails.length, 1);
    assert.deepEqual(images.imageDetails[0].imageTags, ['1.0', 'latest']);
    assert.equal(images.imageDetails[0].imageSizeInBytes, config.size + layer.size);
    const page1 = await call('DescribeImageTags', { repositoryName: 'push/app', maxResults: 1 });
    assert.equal(page1.imageTagDetails[0].imageTag, '1.0');
    assert.equal(page1.imageTagDetails[0].imageDetail.imageDigest, digest);
    assert.equal(page1.imageTagDetails[0].imageDetail.imageSizeInBytes, config.size + layer.size);
    const page2 = await call('DescribeImageTags', {
      repositoryName: 'push/app',
      maxResults: 1,
      nextToken: page1.nextToken,
    });
    assert.deepEqual(
      page2.imageTagDetails.map((t: { imageTag: string }) => t.imageTag),
      ['latest'],
    );
    assert.equal(page2.nextToken, undefined);
    assert.equal(
      (
        await call(
          'PutImage',
          { registryId: 'nosuchalias', repositoryName: 'push/app', imageManifest: manifest },
          { status: 400 },
        )
      ).__type,
      'RegistryNotFoundException',
    );
    assert.equal(
      (await call('DeleteRepository', { repositoryName: 'push/app' }, { status: 400 })).__type,
      'RepositoryNotEmptyException',
    );
    const deleted = await call('BatchDeleteImage', { repositoryName: 'push/app', imageIds: [{ imageDigest: digest }] });
    assert.equal(deleted.imageIds.length, 2);
    await call('DeleteRepository', { repositoryName: 'push/app' });
  });

  it('a push to a missing repository is RepositoryNotFoundException in ECR terms, and creates nothing', async () => {
    const account = server.berth.accountId;
    const manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: `sha256:${'a'.repeat(64)}`, size: 2 },
      layers: [],
    });
    for (const [action, input] of [
      ['InitiateLayerUpload', {}],
      ['PutImage', { imageManifest: manifest }],
      ['BatchCheckLayerAvailability', { layerDigests: [`sha256:${'a'.repeat(64)}`] }],
    ] as const) {
      const refused = await call(action, { repositoryName: 'push/typo', ...input }, { status: 400 });
      assert.equal(refused.__type, 'RepositoryNotFoundException', action);
      assert.equal(
        refused.message,
        `The repository with name 'push/typo' does not exist in the registry with id '${account}'`,
        action,
      );
    }
    assert.equal(
      (await call('DescribeRepositories', { repositoryNames: ['push/typo'] }, { status: 400 })).__type,
      'RepositoryNotFoundException',
    );
  });

  it('another account sees and changes nothing of this registry; an unsigned call is refused', async () => {
    await call('CreateRepository', { repositoryName: 'guarded/app' });
    const denied = await call(
      'DeleteRepository',
      { registryId: server.berth.accountId, repositoryName: 'guarded/app' },
      { status: 400, credentials: other },
    );
    assert.equal(denied.__type, 'AccessDeniedException');
    assert.deepEqual((await call('DescribeRegistries', {}, { credentials: other })).registries, []);
    const unsigned = await server.berth.app.inject({
      method: 'POST',
      url: '/',
      headers: {
        'x-amz-target': 'SpencerFrontendService.DescribeRepositories',
        'content-type': 'application/x-amz-json-1.1',
      },
      payload: '{}',
    });
    assert.equal(unsigned.statusCode, 403);
    assert.equal(unsigned.json().__type, 'MissingAuthenticationTokenException');
  });
});
