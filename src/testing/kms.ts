// The key service's API (TrentService) for tests through app.inject, signed for service kms.
import type { FastifyInstance } from 'fastify';
import { callApi } from './api-client.js';
import type { Credentials } from './aws-signer.js';
import { TEST_ADMIN } from './server.js';

export async function callKms(app: FastifyInstance, action: string, input: unknown = {}, credentials: Credentials = TEST_ADMIN): Promise<{ status: number; body: Record<string, any> }> {
  const res = await callApi(app, action, input, { target: `TrentService.${action}`, service: 'kms', credentials });
  return { status: res.statusCode, body: res.body ? (JSON.parse(res.body) as Record<string, any>) : {} };
}

/** A policy document of these statements. */
export const policyDocument = (...statements: object[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });
export const rootOf = (account: string) => `arn:aws:iam::${account}:root`;
/** AWS's default key policy statement: the account's root may do anything, so identity policies decide. */
export const enableIam = (account: string) => ({ Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: rootOf(account) }, Action: 'kms:*', Resource: '*' });
