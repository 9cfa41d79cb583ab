// Paging tokens of the AWS JSON faces are signed and bound to the listing they page: a token of
// one repository, filter or action does not page another, an altered or made-up token is refused
// with the face's own exception, and the AWS CLI's automatic pagination still walks every page.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import {
  DescribeImagesCommand,
  DescribeRepositoriesCommand,
  ListImagesCommand,
  type ECRClient,
} from '@aws-sdk/client-ecr';
import { apiRequest, type ApiRequestOptions } from '../../testing/api-client.js';
import { runProgram } from '../../testing/cli.js';
import { apiPushImage, ecrClient, rejectsWith } from '../../testing/ecr.js';
import { startBerth, type TestBerth, ADMIN_ENV } from '../../testing/server.js';
import { AWS_CLI, requireAwsCli } from '../../testing/tools.js';

let server: TestBerth;
let client: ECRClient;
const A = 'pages/a';
const B = 'pages/b';

before(async () => {
  server = await startBerth({ settings: { auth: { mode: 'iam' } } });
  client = ecrClient(server.url);
  for (const user of ['x', 'y']) await server.berth.identities.createUser(server.berth.accountId, user);
  for (const name of [A, B]) {
    for (const tag of ['t1', 't2', 't3']) await apiPushImage(client, name, { tag, layers: [randomBytes(32)] });
  }
});

after(async () => {
  client?.destroy();
  await server?.close();
});

/** A signed call over real HTTP to the face `target` names. */
async function call(
  target: string,
  service: string,
  input: unknown,
): Promise<{ status: number; body: Record<string, any> }> {
  const options: ApiRequestOptions = { target, service, host: new URL(server.url).host };
  const request = await apiRequest(target.split('.')[1]!, input, options);
  const res = await fetch(server.url, { method: 'POST', headers: request.headers, body: request.payload });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

/** The token with one character of its payload changed. */
function tampered(token: string): string {
  const at = Math.floor(token.indexOf('.') / 2);
  return `${token.slice(0, at)}${token[at] === 'A' ? 'B' : 'A'}${token.slice(at + 1)}`;
}

describe('ECR', () => {
  it('a ListImages token pages its own listing only', async () => {
    const first = await client.send(new ListImagesCommand({ repositoryName: A, maxResults: 1 }));
    const token = first.nextToken!;
    const second = await client.send(new ListImagesCommand({ repositoryName: A, maxResults: 1, nextToken: token }));
    assert.notDeepEqual(second.imageIds, first.imageIds);
    await rejectsWith(
      client.send(new ListImagesCommand({ repositoryName: B, maxResults: 1, nextToken: token })),
      'InvalidParameterException',
      /nextToken/,
    );
    await rejectsWith(
      client.send(
        new ListImagesCommand({ repositoryName: A, maxResults: 1, nextToken: token, filter: { tagStatus: 'TAGGED' } }),
      ),
      'InvalidParameterException',
      /nextToken/,
    );
    await rejectsWith(
      client.send(new DescribeImagesCommand({ repositoryName: A, maxResults: 1, nextToken: token })),
      'InvalidParameterException',
      /nextToken/,
    );
    await rejectsWith(
      client.send(new ListImagesCommand({ repositoryName: A, maxResults: 1, nextToken: tampered(token) })),
      'InvalidParameterException',
      /nextToken/,
    );
    // The former plain form (base64 of the cursor's JSON) is no longer a token.
    const forged = Buffer.from(JSON.stringify({ digest: first.imageIds![0]!.imageDigest, tag: null })).toString(
      'base64url',
    );
    await rejectsWith(
      client.send(new ListImagesCommand({ repositoryName: A, nextToken: forged })),
      'InvalidParameterException',
      /nextToken/,
    );
  });

  it('DescribeImages and DescribeRepositories tokens likewise', async () => {
    const images = await client.send(new DescribeImagesCommand({ repositoryName: A, maxResults: 1 }));
    await rejectsWith(
      client.send(new DescribeImagesCommand({ repositoryName: B, nextToken: images.nextToken! })),
      'InvalidParameterException',
      /nextToken/,
    );
    assert.equal(
      (await client.send(new DescribeImagesCommand({ repositoryName: A, nextToken: images.nextToken! }))).imageDetails!
        .length,
      2,
    );
    const repositories = await client.send(new DescribeRepositoriesCommand({ maxResults: 1 }));
    await rejectsWith(
      client.send(new DescribeRepositoriesCommand({ nextToken: tampered(repositories.nextToken!) })),
      'InvalidParameterException',
      /nextToken/,
    );
    await rejectsWith(
      client.send(new DescribeRepositoriesCommand({ registryId: '999999999999', nextToken: repositories.nextToken! })),
      'InvalidParameterException',
      /nextToken/,
    );
    await rejectsWith(
      client.send(new ListImagesCommand({ repositoryName: A, nextToken: repositories.nextToken! })),
      'InvalidParameterException',
      /nextToken/,
    );
  });
});

describe('ECR Public and KMS', () => {
  it('ECR Public: a DescribeRepositories token of the private registry or altered is InvalidParameterException', async () => {
    for (const name of ['pub/one', 'pub/two'])
      assert.equal(
        (await call('SpencerFrontendService.CreateRepository', 'ecr-public', { repositoryName: name })).status,
        200,
      );
    const first = await call('SpencerFrontendService.DescribeRepositories', 'ecr-public', { maxResults: 1 });
    assert.equal(first.status, 200);
    const next = await call('SpencerFrontendService.DescribeRepositories', 'ecr-public', {
      maxResults: 1,
      nextToken: first.body.nextToken,
    });
    assert.deepEqual(
      next.body.repositories.map((r: { repositoryName: string }) => r.repositoryName),
      ['pub/two'],
    );
    const privateToken = (await client.send(new DescribeRepositoriesCommand({ maxResults: 1 }))).nextToken!;
    for (const nextToken of [privateToken, tampered(first.body.nextToken as string)]) {
      const refused = await call('SpencerFrontendService.DescribeRepositories', 'ecr-public', { nextToken });
      assert.equal(refused.status, 400);
      assert.equal(refused.body.__type, 'InvalidParameterException');
    }
  });

  it('KMS: a ListGrants Marker of one key does not page another; altered Markers are InvalidMarkerException', async () => {
    const keys: string[] = [];
    for (let i = 0; i < 2; i++) {
      const key = (await call('TrentService.CreateKey', 'kms', {})).body.KeyMetadata.KeyId as string;
      for (const user of ['x', 'y']) {
        const granted = await call('TrentService.CreateGrant', 'kms', {
          KeyId: key,
          GranteePrincipal: `arn:aws:iam::${server.berth.accountId}:user/${user}`,
          Operations: ['Decrypt'],
        });
        assert.equal(granted.status, 200, JSON.stringify(granted.body));
      }
      keys.push(key);
    }
    const page1 = await call('TrentService.ListGrants', 'kms', { KeyId: keys[0], Limit: 1 });
    assert.equal(page1.body.Truncated, true);
    const page2 = await call('TrentService.ListGrants', 'kms', {
      KeyId: keys[0],
      Limit: 1,
      Marker: page1.body.NextMarker,
    });
    assert.equal(page2.status, 200);
    assert.notEqual(page2.body.Grants[0].GrantId, page1.body.Grants[0].GrantId);
    for (const [input, why] of [
      [{ KeyId: keys[1], Marker: page1.body.NextMarker }, 'another key'],
      [{ KeyId: keys[0], Marker: tampered(page1.body.NextMarker as string) }, 'altered'],
      [{ KeyId: keys[0], Marker: page1.body.Grants[0].GrantId }, 'a bare grant id'],
    ] as const) {
      const refused = await call('TrentService.ListGrants', 'kms', input);
      assert.equal(refused.body.__type, 'InvalidMarkerException', why);
    }
    const keysPage = await call('TrentService.ListKeys', 'kms', { Limit: 1 });
    assert.equal(
      (await call('TrentService.ListAliases', 'kms', { Marker: keysPage.body.NextMarker })).body.__type,
      'InvalidMarkerException',
    );
  });
});

describe('the AWS CLI v2', () => {
  const aws = async (args: string[]) => {
    const result = await runProgram(
      AWS_CLI,
      [...args, '--endpoint-url', server.url, '--region', 'us-east-1', '--output', 'json'],
      {
        ...ADMIN_ENV,
        AWS_MAX_ATTEMPTS: '1',
      },
    );
    assert.equal(result.code, 0, result.stderr);
    return JSON.parse(result.stdout) as Record<string, any>;
  };

  it('walks every page with the tokens it is given', async (t) => {
    if (!requireAwsCli(t)) return;
    const listed = await aws(['ecr', 'list-images', '--repository-name', A, '--page-size', '1']);
    assert.deepEqual(listed.imageIds.map((id: { imageTag: string }) => id.imageTag).sort(), ['t1', 't2', 't3']);
    const described = await aws([
      'ecr',
      'describe-images',
      '--repository-name',
      B,
      '--page-size',
      '2',
      '--filter',
      'tagStatus=TAGGED',
    ]);
    assert.equal(described.imageDetails.length, 3);
    const repositories = await aws(['ecr', 'describe-repositories', '--page-size', '1']);
    assert.deepEqual(
      repositories.repositories
        .map((r: { repositoryName: string }) => r.repositoryName)
        .filter((n: string) => n.startsWith('pages/'))
        .sort(),
      [A, B],
    );
    const keys = await aws(['kms', 'list-keys', '--page-size', '1']);
    const all = await aws(['kms', 'list-keys']);
    assert.ok(all.Keys.length >= 2);
    assert.deepEqual(
      keys.Keys.map((k: { KeyId: string }) => k.KeyId).sort(),
      all.Keys.map((k: { KeyId: string }) => k.KeyId).sort(),
    );
  });
});
