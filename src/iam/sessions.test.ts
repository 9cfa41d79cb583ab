// Temporary credentials: what a session token seals, and every way a token is refused (another
// deployment's key, another access key id, tampering, expiry); registry passwords of a session.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { SignatureError } from './sigv4.js';
import { isSessionKeyId, SessionService, type SessionClaims } from './sessions.js';
import { TokenService } from './tokens.js';
import { Authenticator } from './authenticator.js';
import { IdentityError, type IdentityService } from './identities.js';

const claims = (expiresAt: number): SessionClaims => ({
  accountId: '123456789012',
  arn: 'arn:aws:sts::123456789012:assumed-role/deploy/ci',
  roleArn: 'arn:aws:iam::123456789012:role/deploy',
  roleId: 'AROAABCDEFGHIJKLMNOPQ',
  sessionName: 'ci',
  tags: { team: 'web' },
  expiresAt,
});

const refusal = (type: SignatureError['type']) => (err: unknown) => err instanceof SignatureError && err.type === type;

describe('session credentials', () => {
  const sessions = new SessionService(randomBytes(32));

  it('issues an ASIA key id, a secret derived from it and a token that verifies as the session', () => {
    const issued = sessions.issue(claims(Date.now() + 60_000));
    assert.ok(isSessionKeyId(issued.accessKeyId), issued.accessKeyId);
    assert.equal(issued.secretAccessKey, sessions.secretOf(issued.accessKeyId));
    assert.equal(issued.secretAccessKey.length, 40);
    const session = sessions.verify(issued.sessionToken, issued.accessKeyId);
    assert.deepEqual(session, { kind: 'role-session', ...claims(issued.expiresAt), accessKeyId: issued.accessKeyId });
    assert.notEqual(sessions.issue(claims(Date.now() + 60_000)).accessKeyId, issued.accessKeyId);
  });

  it('carries session policies, and refuses to issue a token too large to be verified (PackedPolicyTooLarge)', () => {
    const withPolicy = { ...claims(Date.now() + 60_000), sessionPolicies: ['{"Version":"2012-10-17","Statement":[]}'] };
    const issued = sessions.issue(withPolicy);
    assert.deepEqual(
      sessions.verify(issued.sessionToken, issued.accessKeyId).sessionPolicies,
      withPolicy.sessionPolicies,
    );
    const tags = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`.padEnd(128, 'k'), 'v'.repeat(256)]));
    assert.throws(
      () => sessions.issue({ ...claims(Date.now() + 60_000), tags }),
      (err: unknown) => err instanceof IdentityError && err.code === 'PackedPolicyTooLarge',
    );
  });

  it('refuses a token for another key id, from another deployment, tampered with, or expired', () => {
    const issued = sessions.issue(claims(Date.now() + 60_000));
    const other = sessions.issue(claims(Date.now() + 60_000));
    assert.throws(
      () => sessions.verify(issued.sessionToken, other.accessKeyId),
      refusal('UnrecognizedClientException'),
    );
    assert.throws(
      () => new SessionService(randomBytes(32)).verify(issued.sessionToken, issued.accessKeyId),
      refusal('UnrecognizedClientException'),
    );
    const flipped =
      issued.sessionToken.slice(0, -3) +
      (issued.sessionToken.at(-3) === 'A' ? 'B' : 'A') +
      issued.sessionToken.slice(-2);
    assert.throws(() => sessions.verify(flipped, issued.accessKeyId), refusal('UnrecognizedClientException'));
    assert.throws(() => sessions.verify('not a token', issued.accessKeyId), refusal('UnrecognizedClientException'));
    assert.throws(
      () => sessions.verify(issued.sessionToken, issued.accessKeyId, issued.expiresAt),
      refusal('ExpiredTokenException'),
    );
    // A different deployment derives different secrets for the same id.
    assert.notEqual(new SessionService(randomBytes(32)).secretOf(issued.accessKeyId), issued.secretAccessKey);
  });

  it('a registry password of a session works until the session ends, then is refused', async () => {
    const tokens = new TokenService(randomBytes(32));
    const authenticator = new Authenticator({} as IdentityService, tokens, 'us-east-1', sessions);
    const now = Date.now();
    const issued = sessions.issue(claims(now + 60_000));
    const { password, expiresAt } = tokens.issue(
      { account: '123456789012', key: issued.accessKeyId, session: issued.sessionToken },
      now,
      60_000,
    );
    assert.equal(expiresAt, now + 60_000);
    const basic = `Basic ${Buffer.from(`AWS:${password}`).toString('base64')}`;
    const principal = await authenticator.basic(basic, now + 1_000);
    assert.equal(principal.kind, 'role-session');
    assert.equal(principal.kind === 'role-session' && principal.arn, claims(0).arn);
    await assert.rejects(authenticator.basic(basic, now + 60_001), /invalid or expired|expired/);
    // A password naming a session of another account is refused.
    const foreign = tokens.issue(
      { account: '999999999999', key: issued.accessKeyId, session: issued.sessionToken },
      now,
      60_000,
    ).password;
    await assert.rejects(
      authenticator.basic(`Basic ${Buffer.from(`AWS:${foreign}`).toString('base64')}`, now + 1_000),
      /expired/,
    );
  });
});
