// Repository creation templates with the AWS CLI v2 against `berth serve` (credentials required):
// create, describe page by page, update and delete them, the errors the CLI prints, and a skopeo
// push to a new repository that gets the template's settings. The CLI installed here predates
// the template actions, so it reads the ECR model of shared/specs (AWS_DATA_PATH), as a newer one would.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import type { Descriptor } from '../domain/manifest.js';
import { runProgram } from '../testing/cli.js';
import { ECR_MODEL_PATH } from '../testing/ecr-model.js';
import { OciLayout } from '../testing/oci-layout.js';
import { scratchDirs, ADMIN_ENV } from '../testing/server.js';
import { AWS_CLI, requireAwsCli, requireTool } from '../testing/tools.js';
import { ServedBerth, skopeo } from './support.js';

let berth: ServedBerth;
let layout: OciLayout;
let image: Descriptor;
let modelsDir: string;
let account: string;
const scratch = scratchDirs();

before(async () => {
  layout = new OciLayout(scratch.make('berth-templates-layout-'));
  image = layout.addImage([1024, 4096]);
  layout.tag(image, 'img');
  modelsDir = scratch.make('berth-templates-models-');
  const ecr = join(modelsDir, 'ecr', '2015-09-21');
  mkdirSync(ecr, { recursive: true });
  copyFileSync(ECR_MODEL_PATH, join(ecr, 'service-2.json'));
  copyFileSync(join(dirname(ECR_MODEL_PATH), 'ecr.paginators-1.json'), join(ecr, 'paginators-1.json'));
  berth = await ServedBerth.start({ BERTH_AUTH_MODE: 'iam' });
});

after(async () => {
  await berth.close();
  scratch.remove();
});

function requireClients(t: TestContext): boolean {
  return requireTool(t, 'skopeo', 'apt-get install -y skopeo') && requireAwsCli(t);
}

const aws = (args: string[]) =>
  runProgram(AWS_CLI, [...args, '--endpoint-url', berth.url, '--region', 'us-east-1', '--output', 'json'], {
    ...ADMIN_ENV,
    AWS_DATA_PATH: modelsDir,
  });

async function ok(args: string[]): Promise<Record<string, any>> {
  const result = await aws(args);
  assert.equal(result.code, 0, `aws ${args.join(' ')}: ${result.stderr}`);
  return JSON.parse(result.stdout || '{}') as Record<string, any>;
}

async function fails(args: string[], code: string): Promise<void> {
  const result = await aws(args);
  assert.notEqual(result.code, 0, `aws ${args.join(' ')} should fail`);
  assert.match(result.stderr, new RegExp(`An error occurred \\(${code}\\)`), result.stderr);
}

const prefixesOf = (out: Record<string, any>) =>
  (out.repositoryCreationTemplates as { prefix: string }[]).map((t) => t.prefix);

describe('aws ecr *-repository-creation-template(s)', () => {
  it('creates, describes page by page, updates and deletes templates', async (t) => {
    if (!requireClients(t)) return;
    account = (await ok(['sts', 'get-caller-identity'])).Account as string;
    const created = await ok([
      'ecr',
      'create-repository-creation-template',
      '--prefix',
      'cli/one',
      '--description',
      'first',
      '--applied-for',
      'CREATE_ON_PUSH',
      'REPLICATION',
      '--image-tag-mutability',
      'IMMUTABLE',
      '--resource-tags',
      'Key=team,Value=blue',
    ]);
    const template = created.repositoryCreationTemplate as Record<string, any>;
    assert.equal(template.prefix, 'cli/one');
    assert.equal(template.description, 'first');
    assert.deepEqual(template.appliedFor, ['REPLICATION', 'CREATE_ON_PUSH']);
    assert.deepEqual(template.resourceTags, [{ Key: 'team', Value: 'blue' }]);
    assert.deepEqual(template.encryptionConfiguration, { encryptionType: 'AES256' });
    assert.ok(template.createdAt && template.updatedAt);
    for (const prefix of ['cli/two', 'cli/three'])
      await ok(['ecr', 'create-repository-creation-template', '--prefix', prefix, '--applied-for', 'REPLICATION']);

    // The CLI follows nextToken itself: pages of one make three requests and one list.
    assert.deepEqual(prefixesOf(await ok(['ecr', 'describe-repository-creation-templates', '--page-size', '1'])), [
      'cli/one',
      'cli/three',
      'cli/two',
    ]);
    const first = await ok(['ecr', 'describe-repository-creation-templates', '--max-items', '2', '--page-size', '1']);
    assert.deepEqual(prefixesOf(first), ['cli/one', 'cli/three']);
    assert.ok(first.NextToken, 'the CLI hands out a token for the rest');
    const rest = await ok([
      'ecr',
      'describe-repository-creation-templates',
      '--page-size',
      '1',
      '--starting-token',
      first.NextToken as string,
    ]);
    assert.deepEqual(prefixesOf(rest), ['cli/two']);
    assert.deepEqual(
      prefixesOf(await ok(['ecr', 'describe-repository-creation-templates', '--prefixes', 'cli/two', 'cli/one'])),
      ['cli/one', 'cli/two'],
    );

    const updated = await ok([
      'ecr',
      'update-repository-creation-template',
      '--prefix',
      'cli/one',
      '--image-tag-mutability',
      'MUTABLE',
      '--applied-for',
      'PULL_THROUGH_CACHE',
    ]);
    assert.equal(updated.repositoryCreationTemplate.imageTagMutability, 'MUTABLE');
    assert.deepEqual(updated.repositoryCreationTemplate.appliedFor, ['PULL_THROUGH_CACHE']);
    assert.equal(updated.repositoryCreationTemplate.description, 'first');

    for (const prefix of ['cli/one', 'cli/two', 'cli/three']) {
      const deleted = await ok(['ecr', 'delete-repository-creation-template', '--prefix', prefix]);
      assert.equal(deleted.repositoryCreationTemplate.prefix, prefix);
      assert.equal(deleted.registryId, account);
    }
    assert.deepEqual(prefixesOf(await ok(['ecr', 'describe-repository-creation-templates'])), []);
  });

  it('prints the model errors: duplicate, not found, bad prefix, bad appliedFor, bad KMS key', async (t) => {
    if (!requireClients(t)) return;
    const create = ['ecr', 'create-repository-creation-template', '--applied-for', 'CREATE_ON_PUSH', '--prefix'];
    await ok([...create, 'cli/dup']);
    await fails([...create, 'cli/dup'], 'TemplateAlreadyExistsException');
    await fails(['ecr', 'delete-repository-creation-template', '--prefix', 'cli/none'], 'TemplateNotFoundException');
    await fails(
      ['ecr', 'update-repository-creation-template', '--prefix', 'cli/none', '--description', 'x'],
      'TemplateNotFoundException',
    );
    await fails([...create, 'Not/A/Namespace'], 'InvalidParameterException');
    await fails(
      ['ecr', 'create-repository-creation-template', '--prefix', 'cli/applied', '--applied-for', 'WHENEVER'],
      'InvalidParameterException',
    );
    await fails(
      [
        ...create,
        'cli/kms',
        '--encryption-configuration',
        `encryptionType=KMS,kmsKey=arn:aws:kms:us-east-1:${account}:key/00000000-0000-0000-0000-000000000000`,
      ],
      'InvalidParameterException',
    );
    await ok(['ecr', 'delete-repository-creation-template', '--prefix', 'cli/dup']);
  });
});

describe('a skopeo push to a new repository', () => {
  it("gets the template's mutability, KMS encryption, repository policy and tags", async (t) => {
    if (!requireClients(t)) return;
    const key = (await ok(['kms', 'create-key'])).KeyMetadata.Arn as string;
    const policy = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'FromTemplate',
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${account}:root` },
          Action: 'ecr:BatchGetImage',
        },
      ],
    });
    await ok([
      'ecr',
      'create-repository-creation-template',
      '--prefix',
      'pushed',
      '--applied-for',
      'CREATE_ON_PUSH',
      '--image-tag-mutability',
      'IMMUTABLE',
      '--encryption-configuration',
      `encryptionType=KMS,kmsKey=${key}`,
      '--repository-policy',
      policy,
      '--resource-tags',
      'Key=origin,Value=template',
    ]);
    await ok([
      'ecr',
      'create-repository-creation-template',
      '--prefix',
      'ROOT',
      '--applied-for',
      'CREATE_ON_PUSH',
      '--resource-tags',
      'Key=origin,Value=root',
    ]);
    await berth.login();
    for (const name of ['pushed/app', 'other/app'])
      await skopeo(['copy', '--dest-tls-verify=false', `oci:${layout.dir}:img`, `docker://${berth.host}/${name}:v1`]);

    const [pushed, other] = (
      await ok(['ecr', 'describe-repositories', '--repository-names', 'pushed/app', 'other/app'])
    ).repositories as Record<string, any>[];
    assert.equal(pushed!.imageTagMutability, 'IMMUTABLE');
    assert.deepEqual(pushed!.encryptionConfiguration, { encryptionType: 'KMS', kmsKey: key });
    assert.equal(other!.imageTagMutability, 'MUTABLE');
    assert.deepEqual(other!.encryptionConfiguration, { encryptionType: 'AES256' });
    assert.equal(
      JSON.parse((await ok(['ecr', 'get-repository-policy', '--repository-name', 'pushed/app'])).policyText as string)
        .Statement[0].Sid,
      'FromTemplate',
    );
    const arn = (name: string) => `arn:aws:ecr:us-east-1:${account}:repository/${name}`;
    assert.deepEqual((await ok(['ecr', 'list-tags-for-resource', '--resource-arn', arn('pushed/app')])).tags, [
      { Key: 'origin', Value: 'template' },
    ]);
    assert.deepEqual((await ok(['ecr', 'list-tags-for-resource', '--resource-arn', arn('other/app')])).tags, [
      { Key: 'origin', Value: 'root' },
    ]);
    // IMMUTABLE: the same tag cannot be pushed again with other content.
    const second = layout.addImage([2048]);
    layout.tag(second, 'img2');
    await assert.rejects(
      skopeo(['copy', '--dest-tls-verify=false', `oci:${layout.dir}:img2`, `docker://${berth.host}/pushed/app:v1`]),
      /tag invalid|immutable|already exists/i,
    );
  });
});
