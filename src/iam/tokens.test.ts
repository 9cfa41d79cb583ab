// Registry passwords: issued for an access key, verified by any node with the shared key, refused
// when expired, altered, or signed with another key.
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { MasterKey } from '../keys/master-key.js';
import { loadTokenService, TOKEN_TTL_MS, TokenService } from './tokens.js';

const CLAIMS = { account: '123456789012', key: 'AKIAIOSFODNN7EXAMPLE' };

function settingsMap() {
  const values = new Map<string, string>();
  return {
    values,
    async setIfAbsent(key: string, value: string) {
      if (!values.has(key)) values.set(key, value);
      return values.get(key)!;
    },
  };
}

/** A password with the given payload, signed with `key` (to reach the checks after the signature's). */
function signedPayload(key: Buffer, body: unknown): string {
  const payload = Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)).toString('base64url');
  return `${payload}.${createHmac('sha256', key).update(payload).digest('base64url')}`;
}

describe('TokenService', () => {
  const key = randomBytes(32);
  const tokens = new TokenService(key);

  it('issues a password that verifies to its claims until it expires', () => {
    const now = Date.now();
    const { password, expiresAt } = tokens.issue(CLAIMS, now);
    assert.equal(expiresAt, now + TOKEN_TTL_MS);
    assert.equal(TOKEN_TTL_MS, 12 * 3600 * 1000, 'twelve hours, as ECR');
    assert.deepEqual(tokens.verify(password, now), { ...CLAIMS, exp: expiresAt });
    assert.deepEqual(tokens.verify(password, expiresAt - 1), { ...CLAIMS, exp: expiresAt });
    assert.equal(tokens.verify(password, expiresAt), undefined, 'expired at its expiry');
    assert.equal(tokens.verify(tokens.issue(CLAIMS, now, 1000).password, now + 1001), undefined);
  });

  it('refuses a password whose claims or signature were changed', () => {
    const { password } = tokens.issue(CLAIMS);
    const [payload, signature] = password.split('.') as [string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    for (const changed of [
      { ...claims, a: '210987654321' },
      { ...claims, k: 'AKIAAAAAAAAAAAAAAAAA' },
      { ...claims, e: (claims.e as number) + 3_600_000 },
    ]) {
      assert.equal(
        tokens.verify(`${Buffer.from(JSON.stringify(changed)).toString('base64url')}.${signature}`),
        undefined,
      );
    }
    const sig = Buffer.from(signature, 'base64url');
    sig[0]! ^= 1;
    assert.equal(tokens.verify(`${payload}.${sig.toString('base64url')}`), undefined);
    assert.equal(tokens.verify(`${payload}.${signature.slice(0, -2)}`), undefined);
    assert.equal(tokens.verify(`${payload}.`), undefined);
  });

  it('refuses a password signed with another key (another deployment, or forged)', () => {
    const { password } = new TokenService(randomBytes(32)).issue(CLAIMS);
    assert.equal(tokens.verify(password), undefined);
  });

  it('refuses garbage without throwing', () => {
    for (const password of ['', '.', 'abc', '.abc', 'a.b.c', 'x'.repeat(5000), `${'x'.repeat(4096)}.y`]) {
      assert.equal(tokens.verify(password), undefined, password.slice(0, 20));
    }
    const later = Date.now() + 60_000;
    for (const body of [
      'not json',
      [],
      { v: 2, a: CLAIMS.account, k: CLAIMS.key, e: later },
      { v: 1, a: 1, k: CLAIMS.key, e: later },
      { v: 1, a: CLAIMS.account, e: later },
      { v: 1, a: CLAIMS.account, k: CLAIMS.key, e: String(later) },
    ]) {
      assert.equal(tokens.verify(signedPayload(key, body)), undefined, JSON.stringify(body));
    }
    assert.ok(
      tokens.verify(signedPayload(key, { v: 1, a: CLAIMS.account, k: CLAIMS.key, e: later })),
      'the same shape with the right fields verifies',
    );
  });
});

describe('loadTokenService', () => {
  it('makes one signing key per deployment, kept sealed, that every node loads', async () => {
    const settings = settingsMap();
    const masterKey = MasterKey.fromBytes(randomBytes(32));
    const nodeA = await loadTokenService(settings, masterKey);
    const nodeB = await loadTokenService(settings, masterKey);
    assert.equal(settings.values.size, 1);
    assert.match(settings.values.get('registry_token_key')!, /^v1\./, 'stored sealed by the master key');
    const { password } = nodeA.issue(CLAIMS);
    assert.equal(nodeB.verify(password)?.account, CLAIMS.account, 'a password from one node works on another');
    const other = await loadTokenService(settingsMap(), masterKey);
    assert.equal(other.verify(password), undefined, 'another deployment does not accept it');
    await assert.rejects(
      loadTokenService(settings, MasterKey.fromBytes(randomBytes(32))),
      'a wrong master key cannot open the signing key',
    );
  });
});
