// The key service's API (TrentService) for tests through app.inject, signed for service kms.
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { callApi } from './api-client.js';
import type { Credentials } from './aws-signer.js';
import { TEST_ADMIN } from './server.js';

export async function callKms(
  app: FastifyInstance,
  action: string,
  input: unknown = {},
  credentials: Credentials = TEST_ADMIN,
): Promise<{ status: number; body: Record<string, any> }> {
  const res = await callApi(app, action, input, { target: `TrentService.${action}`, service: 'kms', credentials });
  return { status: res.statusCode, body: res.body ? (JSON.parse(res.body) as Record<string, any>) : {} };
}

/** The call's response body, once asserted to be a 200. */
export async function kmsOk(
  app: FastifyInstance,
  action: string,
  input: unknown,
  credentials: Credentials = TEST_ADMIN,
): Promise<Record<string, any>> {
  const res = await callKms(app, action, input, credentials);
  assert.equal(res.status, 200, `${action}: ${JSON.stringify(res.body)}`);
  return res.body;
}

/** The error message, once the call is asserted to fail with this exception (and status). */
export async function kmsFails(
  app: FastifyInstance,
  action: string,
  input: unknown,
  credentials: Credentials,
  type: string,
  status = 400,
): Promise<string> {
  const res = await callKms(app, action, input, credentials);
  assert.equal(res.status, status, `${action} should fail with ${type}: ${JSON.stringify(res.body)}`);
  assert.equal(res.body.__type, type, JSON.stringify(res.body));
  return res.body.message as string;
}

/** A policy document of these statements. */
export const policyDocument = (...statements: object[]) =>
  JSON.stringify({ Version: '2012-10-17', Statement: statements });
export const rootOf = (account: string) => `arn:aws:iam::${account}:root`;
/** AWS's default key policy statement: the account's root may do anything, so identity policies decide. */
export const enableIam = (account: string) => ({
  Sid: 'Enable IAM User Permissions',
  Effect: 'Allow',
  Principal: { AWS: rootOf(account) },
  Action: 'kms:*',
  Resource: '*',
});
