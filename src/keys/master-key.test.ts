// The master key: secrets round-trip, and any change to a sealed secret, its context or the key
// makes decryption fail rather than return something else.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { tempDir } from '../testing/server.js';
import { MasterKey } from './master-key.js';

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function dir(): string {
  const made = tempDir('berth-master-key-');
  dirs.push(made);
  return made;
}

/** Changes one byte of a base64url field of `v1.<nonce>.<body>`. */
function flip(sealed: string, field: 1 | 2, at: number): string {
  const parts = sealed.split('.');
  const bytes = Buffer.from(parts[field]!, 'base64url');
  bytes[at < 0 ? bytes.length + at : at]! ^= 0x01;
  parts[field] = bytes.toString('base64url');
  return parts.join('.');
}

describe('MasterKey', () => {
  const key = MasterKey.fromBytes(randomBytes(32));

  it('decrypts what it encrypted, with a fresh nonce every time', () => {
    const secret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
    const a = key.encrypt(secret, 'access-key:AKIA1');
    const b = key.encrypt(secret, 'access-key:AKIA1');
    assert.notEqual(a, b);
    assert.match(a, /^v1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    assert.ok(
      !a.includes(secret) && !Buffer.from(a.split('.')[2]!, 'base64url').toString('latin1').includes(secret),
      'the plaintext does not show',
    );
    assert.equal(key.decrypt(a, 'access-key:AKIA1'), secret);
    assert.equal(key.decrypt(b, 'access-key:AKIA1'), secret);
    assert.equal(key.decrypt(key.encrypt('', 'empty'), 'empty'), '');
  });

  it('refuses a sealed secret with any byte of its ciphertext, tag or nonce changed', () => {
    const sealed = key.encrypt('a secret of some length', 'ctx');
    const body = Buffer.from(sealed.split('.')[2]!, 'base64url').length;
    for (let at = 0; at < body; at++)
      assert.throws(() => key.decrypt(flip(sealed, 2, at), 'ctx'), `byte ${at} of the body`);
    for (let at = 0; at < 12; at++)
      assert.throws(() => key.decrypt(flip(sealed, 1, at), 'ctx'), `byte ${at} of the nonce`);
  });

  it('refuses a secret moved to another context, another key, or truncated', () => {
    const sealed = key.encrypt('a secret', 'access-key:AKIAAAAAAAAAAAAAAAAA');
    assert.throws(() => key.decrypt(sealed, 'access-key:AKIABBBBBBBBBBBBBBBB'), 'the context is authenticated');
    assert.throws(() => MasterKey.fromBytes(randomBytes(32)).decrypt(sealed, 'access-key:AKIAAAAAAAAAAAAAAAAA'));
    const [version, nonce, body] = sealed.split('.') as [string, string, string];
    const bytes = Buffer.from(body, 'base64url');
    for (const keep of [bytes.length - 1, 16, 12, 8, 4, 1]) {
      assert.throws(
        () =>
          key.decrypt(
            `${version}.${nonce}.${bytes.subarray(0, keep).toString('base64url')}`,
            'access-key:AKIAAAAAAAAAAAAAAAAA',
          ),
        `truncated to ${keep} bytes`,
      );
    }
    assert.throws(() => key.decrypt(`v2.${nonce}.${body}`, 'access-key:AKIAAAAAAAAAAAAAAAAA'), /unknown secret format/);
    assert.throws(() => key.decrypt('not sealed at all', 'ctx'), /unknown secret format/);
  });

  it('parses 32 bytes in hex or base64, and nothing else', () => {
    const raw = randomBytes(32);
    const sealed = MasterKey.parse(raw.toString('hex')).encrypt('x', 'c');
    assert.equal(MasterKey.parse(`${raw.toString('base64')}\n`).decrypt(sealed, 'c'), 'x');
    assert.throws(() => MasterKey.parse(randomBytes(16).toString('base64')), /32 bytes/);
    assert.throws(() => MasterKey.parse(''), /32 bytes/);
  });

  it('generates a private key file once, then loads it; a configured key wins', () => {
    const file = join(dir(), 'nested', 'master.key');
    const generated: string[] = [];
    const first = MasterKey.load('', file, (f) => generated.push(f));
    assert.deepEqual(generated, [file]);
    assert.equal(statSync(file).mode & 0o777, 0o600, 'only the owner may read the key');
    const sealed = first.encrypt('kept', 'c');
    const again = MasterKey.load('', file, (f) => generated.push(f));
    assert.equal(generated.length, 1, 'an existing file is not regenerated');
    assert.equal(again.decrypt(sealed, 'c'), 'kept');
    const configured = randomBytes(32).toString('base64');
    assert.throws(
      () => MasterKey.load(configured, file, () => {}).decrypt(sealed, 'c'),
      'the configured key is used, not the file',
    );
    assert.equal(readFileSync(file, 'utf8').trim().length, 44);
    writeFileSync(file, 'garbage\n');
    assert.throws(() => MasterKey.load('', file, () => {}), /32 bytes/);
  });
});
