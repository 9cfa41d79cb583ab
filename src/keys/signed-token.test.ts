// The signed-token codec: strict decoding, bindings, and the expiring tokens' format (a version
// first, the expiry under each kind's own claim name), which tokens issued before a restart or by
// another node must still match byte for byte.
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { ExpiringTokenCodec, SignedTokenCodec, strictBase64url } from './signed-token.js';

/** A token made by hand in the wire format: `<base64url JSON>.<base64url HMAC-SHA256(domain + payload)>`. */
function handMade(key: Buffer, body: unknown, domain = ''): string {
  const payload = Buffer.from(JSON.stringify(body)).toString('base64url');
  return `${payload}.${createHmac('sha256', key).update(`${domain}${payload}`).digest('base64url')}`;
}

describe('strictBase64url', () => {
  it('accepts only the canonical unpadded spelling', () => {
    assert.deepEqual(strictBase64url('AQI'), Buffer.from([1, 2]));
    assert.deepEqual(strictBase64url(''), Buffer.alloc(0));
    for (const text of ['AQJ', 'AQI=', 'A', 'AQ+', 'AQ/', 'A QI']) assert.equal(strictBase64url(text), undefined, text);
  });
});

describe('SignedTokenCodec', () => {
  const key = randomBytes(32);

  it('opens what it signed, only with the same binding, domain and key', () => {
    const codec = new SignedTokenCodec(key);
    const token = codec.sign({ cursor: 3 }, 'listing-a');
    assert.deepEqual(codec.open(token, 'listing-a'), { cursor: 3 });
    assert.equal(codec.open(token, 'listing-b'), undefined);
    assert.equal(codec.open(token), undefined);
    assert.equal(new SignedTokenCodec(key, 'other:').open(token, 'listing-a'), undefined);
    assert.equal(new SignedTokenCodec(randomBytes(32)).open(token, 'listing-a'), undefined);
  });

  it('refuses tokens longer than its limit', () => {
    const token = new SignedTokenCodec(key).sign({ pad: 'x'.repeat(100) });
    assert.ok(new SignedTokenCodec(key, '', token.length).open(token));
    assert.equal(new SignedTokenCodec(key, '', token.length - 1).open(token), undefined);
  });
});

describe('ExpiringTokenCodec', () => {
  const key = randomBytes(32);
  const now = 1_700_000_000_000;

  it('signs {"v":1,…claims} with the claims in their order, as tokens were first issued', () => {
    const codec = new ExpiringTokenCodec(key, 'e', 'layer-url:', 1024);
    const token = codec.sign({ r: 'repo', d: 'sha256:x', e: now + 1000 });
    assert.equal(token, handMade(key, { v: 1, r: 'repo', d: 'sha256:x', e: now + 1000 }, 'layer-url:'));
  });

  it('opens a token until its expiry, then refuses it as expired', () => {
    const codec = new ExpiringTokenCodec(key, 'exp');
    const token = codec.sign({ access: [], exp: now + 1000 });
    assert.deepEqual(codec.open(token, now), { claims: { v: 1, access: [], exp: now + 1000 } });
    assert.deepEqual(codec.open(token, now + 999).claims?.exp, now + 1000);
    assert.deepEqual(codec.open(token, now + 1000), { refused: 'expired' });
  });

  it('refuses as invalid: another version, no numeric expiry under its name, a bad signature', () => {
    const codec = new ExpiringTokenCodec(key, 'e');
    for (const body of [
      { v: 2, e: now + 1000 },
      { e: now + 1000 },
      { v: 1, exp: now + 1000 },
      { v: 1, e: String(now + 1000) },
    ]) {
      assert.deepEqual(codec.open(handMade(key, body), now), { refused: 'invalid' }, JSON.stringify(body));
    }
    assert.deepEqual(codec.open(handMade(randomBytes(32), { v: 1, e: now + 1000 }), now), { refused: 'invalid' });
    assert.deepEqual(codec.open('garbage', now), { refused: 'invalid' });
    assert.ok(codec.open(handMade(key, { v: 1, e: now + 1000 }), now).claims);
  });
});
