import assert from 'node:assert/strict';
import { test } from 'node:test';
import { arnAccount } from './principal.js';

test('arnAccount reads the fifth field of an ARN, as splitting on colons does', () => {
  for (const arn of [
    'arn:aws:ecr:us-east-1:123456789012:repository/team/app',
    'arn:aws:iam::123456789012:root',
    'arn:aws:sts::123456789012:assumed-role/r/s:with:colons',
    'arn:aws:s3:::bucket',
    'arn:aws:ecr:r:',
    'arn:aws:ecr:r',
    'arn',
    '',
    '*',
  ])
    assert.equal(arnAccount(arn), arn.split(':')[4], arn);
});
