// Requests that break the model's constraints are answered in AWS's words on every JSON face:
// "N validation error(s) detected: Value '…' at '<member path>' failed to satisfy constraint:
// Member must …", through the real SDK, signed HTTP, and the AWS CLI v2.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  BatchGetImageCommand,
  CreateRepositoryCommand,
  DescribeImagesCommand,
  ListImagesCommand,
  type ECRClient,
} from '@aws-sdk/client-ecr';
import { runProgram } from '../../testing/cli.js';
import { ecrClient, ensureRepository, rejectsWith } from '../../testing/ecr.js';
import { callApi } from '../../testing/api-client.js';
import { callKms } from '../../testing/kms.js';
import { startBerth, TEST_ADMIN, type TestBerth, ADMIN_ENV } from '../../testing/server.js';
import { AWS_CLI, requireAwsCli } from '../../testing/tools.js';

const REPOSITORY_PATTERN = '[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*(\\/[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*)*';
const one = (violation: string) => `1 validation error detected: ${violation}`;

let server: TestBerth;
let client: ECRClient;

before(async () => {
  server = await startBerth({ settings: { auth: { mode: 'iam' } } });
  client = ecrClient(server.url);
  await ensureRepository(client, 'valid/repo');
});

after(async () => {
  client?.destroy();
  await server?.close();
});

describe('ECR (the SDK)', () => {
  it('names the value, the member and the constraint: numbers, enums, list members, patterns, nulls', async () => {
    const tooMany = await rejectsWith(
      client.send(new DescribeImagesCommand({ repositoryName: 'valid/repo', maxResults: 2000 })),
      'InvalidParameterException',
    );
    assert.equal(
      tooMany.message,
      one(
        "Value '2000' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 1000",
      ),
    );
    const tooFew = await rejectsWith(
      client.send(new ListImagesCommand({ repositoryName: 'valid/repo', maxResults: 0 })),
      'InvalidParameterException',
    );
    assert.equal(
      tooFew.message,
      one("Value '0' at 'maxResults' failed to satisfy constraint: Member must have value greater than or equal to 1"),
    );
    const status = await rejectsWith(
      client.send(new ListImagesCommand({ repositoryName: 'valid/repo', filter: { tagStatus: 'BOGUS' as never } })),
      'InvalidParameterException',
    );
    assert.equal(
      status.message,
      one(
        "Value 'BOGUS' at 'filter.tagStatus' failed to satisfy constraint: Member must satisfy enum value set: [TAGGED, UNTAGGED, ANY]",
      ),
    );
    const tag = 'x'.repeat(301);
    const long = await rejectsWith(
      client.send(
        new BatchGetImageCommand({ repositoryName: 'valid/repo', imageIds: [{ imageTag: 'ok' }, { imageTag: tag }] }),
      ),
      'InvalidParameterException',
    );
    assert.equal(
      long.message,
      one(
        `Value '${tag}' at 'imageIds.2.member.imageTag' failed to satisfy constraint: Member must have length less than or equal to 300`,
      ),
    );
    const pattern = await rejectsWith(
      client.send(new CreateRepositoryCommand({ repositoryName: 'Upper/Case' })),
      'InvalidParameterException',
    );
    assert.equal(
      pattern.message,
      one(
        `Value 'Upper/Case' at 'repositoryName' failed to satisfy constraint: Member must satisfy regular expression pattern: ${REPOSITORY_PATTERN}`,
      ),
    );
  });

  it('counts and lists every violation', async () => {
    const several = await rejectsWith(
      client.send(new DescribeImagesCommand({ repositoryName: 'A', maxResults: 2000 })),
      'InvalidParameterException',
    );
    assert.equal(
      several.message,
      '3 validation errors detected: ' +
        "Value 'A' at 'repositoryName' failed to satisfy constraint: Member must have length greater than or equal to 2; " +
        `Value 'A' at 'repositoryName' failed to satisfy constraint: Member must satisfy regular expression pattern: ${REPOSITORY_PATTERN}; ` +
        "Value '2000' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 1000",
    );
  });
});

describe('signed HTTP', () => {
  it('a missing member is "Value null … Member must not be null" (ECR)', async () => {
    const res = await callApi(server.berth.app, 'ListImages', {});
    assert.equal(res.statusCode, 400);
    assert.deepEqual(res.json(), {
      __type: 'InvalidParameterException',
      message: one("Value null at 'repositoryName' failed to satisfy constraint: Member must not be null"),
    });
  });

  it("ECR Public words it the same way, with its own model's pattern", async () => {
    const res = await callApi(
      server.berth.app,
      'DescribeRepositories',
      { repositoryNames: ['ok/name', 'Bad'] },
      { target: 'SpencerFrontendService.DescribeRepositories', service: 'ecr-public' },
    );
    assert.equal(res.statusCode, 400);
    assert.deepEqual(res.json(), {
      __type: 'InvalidParameterException',
      message: one(
        "Value 'Bad' at 'repositoryNames.2.member' failed to satisfy constraint: Member must satisfy regular expression pattern: (?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*",
      ),
    });
  });

  it('KMS: ValidationException with the member named as KMS names it', async () => {
    const limit = await callKms(server.berth.app, 'ListKeys', { Limit: 1001 }, TEST_ADMIN);
    assert.equal(limit.status, 400);
    assert.deepEqual(limit.body, {
      __type: 'ValidationException',
      message: one(
        "Value '1001' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 1000",
      ),
    });
    const missing = await callKms(server.berth.app, 'DescribeKey', {}, TEST_ADMIN);
    assert.deepEqual(missing.body, {
      __type: 'ValidationException',
      message: one("Value null at 'keyId' failed to satisfy constraint: Member must not be null"),
    });
  });
});

describe('the AWS CLI v2', () => {
  const aws = (args: string[]) =>
    runProgram(AWS_CLI, [...args, '--endpoint-url', server.url, '--region', 'us-east-1'], {
      ...ADMIN_ENV,
      AWS_MAX_ATTEMPTS: '1',
    });

  it('prints the message as AWS words it', async (t) => {
    if (!requireAwsCli(t)) return;
    const filter = await aws([
      'ecr',
      'list-images',
      '--repository-name',
      'valid/repo',
      '--filter',
      'tagStatus=SOMETIMES',
    ]);
    assert.notEqual(filter.code, 0);
    assert.match(
      filter.stderr,
      /\(InvalidParameterException\) when calling the ListImages operation.*?: 1 validation error detected: Value 'SOMETIMES' at 'filter\.tagStatus' failed to satisfy constraint: Member must satisfy enum value set: \[TAGGED, UNTAGGED, ANY\]/,
    );
    const page = await aws(['ecr', 'describe-repositories', '--page-size', '5000']);
    assert.notEqual(page.code, 0);
    assert.match(
      page.stderr,
      /1 validation error detected: Value '5000' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 1000/,
    );
    const name = await aws(['ecr', 'describe-repositories', '--repository-names', 'valid/repo', 'NOT_VALID']);
    assert.match(
      name.stderr,
      /Value 'NOT_VALID' at 'repositoryNames\.2\.member' failed to satisfy constraint: Member must satisfy regular expression pattern: /,
    );
  });
});
