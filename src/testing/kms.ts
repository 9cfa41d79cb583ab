// The key service's API (TrentService) for tests through app.inject, signed for service kms.
import type { FastifyInstance } from 'fastify';
import { callApi } from './api-client.js';
import type { Credentials } from './aws-signer.js';
import { TEST_ADMIN } from './server.js';

export async function callKms(app: FastifyInstance, action: string, input: unknown = {}, credentials: Credentials = TEST_ADMIN): Promise<{ status: number; body: Record<string, any> }> {
  const res = await callApi(app, action, input, { target: `TrentService.${action}`, service: 'kms', credentials });
  return { status: res.statusCode, body: res.body ? (JSON.parse(res.body) as Record<string, any>) : {} };
}
