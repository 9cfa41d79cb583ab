// Secrets Manager's SDK client for a test Berth, and the exception a call fails with.
import assert from 'node:assert/strict';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

export function secretsClient(
  url: string,
  credentials: { accessKeyId: string; secretAccessKey: string },
): SecretsManagerClient {
  // A copy: the SDK marks the credentials object it is given.
  return new SecretsManagerClient({
    endpoint: url,
    region: 'us-east-1',
    credentials: { ...credentials },
    maxAttempts: 1,
  });
}

/** The exception's message, once the call is asserted to fail with it (a 400). */
export async function secretsFails(promise: Promise<unknown>, name: string): Promise<string> {
  try {
    await promise;
  } catch (err) {
    const e = err as Error & { $metadata?: { httpStatusCode?: number } };
    assert.equal(e.name, name, `${e.name}: ${e.message}`);
    assert.equal(e.$metadata?.httpStatusCode, 400, e.message);
    assert.ok(e.message.length > 0);
    return e.message;
  }
  assert.fail(`expected ${name}`);
}
