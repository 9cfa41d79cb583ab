// Asymmetric signing keys through the AWS CLI v2, unmodified: create-key with an ECC or RSA key
// spec and SIGN_VERIFY, sign (RAW and DIGEST), verify, get-public-key (DER SubjectPublicKeyInfo,
// checked with OpenSSL through node:crypto), describe-key's signing algorithms, and the model's
// refusals (a bad signature, a symmetric operation on a signing key, an algorithm the key does
// not take, a grant's operations).
import assert from 'node:assert/strict';
import { constants, createHash, createPublicKey, verify } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runProgram } from '../../testing/cli.js';
import { callKms } from '../../testing/kms.js';
import { startBerth, type TestBerth, ADMIN_ENV } from '../../testing/server.js';
import { AWS_CLI, requireAwsCli } from '../../testing/tools.js';

let server: TestBerth;
const dir = mkdtempSync(join(tmpdir(), 'berth-kms-sign-'));

before(async () => {
  server = await startBerth({ settings: { auth: { mode: 'iam' } } });
});
after(() => server.close());

async function aws(args: string[]): Promise<{ code: number; json: any; stderr: string }> {
  const res = await runProgram(
    AWS_CLI,
    ['kms', ...args, '--endpoint-url', server.url, '--region', 'us-east-1', '--output', 'json'],
    {
      ...ADMIN_ENV,
    },
  );
  return {
    code: res.code,
    json: res.code === 0 && res.stdout.trim() ? JSON.parse(res.stdout) : undefined,
    stderr: res.stderr,
  };
}

async function ok(args: string[]): Promise<any> {
  const res = await aws(args);
  assert.equal(res.code, 0, `aws kms ${args.join(' ')}: ${res.stderr}`);
  return res.json;
}

const message = Buffer.from('{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json"}');
const messageFile = join(dir, 'message');
writeFileSync(messageFile, message);

describe('asymmetric signing keys through the AWS CLI v2', () => {
  test('an ECC_NIST_P256 key signs RAW and DIGEST messages that OpenSSL verifies with its public key', async (t) => {
    if (!requireAwsCli(t)) return;
    const created = await ok(['create-key', '--key-spec', 'ECC_NIST_P256', '--key-usage', 'SIGN_VERIFY']);
    const keyId = created.KeyMetadata.KeyId;
    assert.equal(created.KeyMetadata.KeySpec, 'ECC_NIST_P256');
    assert.equal(created.KeyMetadata.KeyUsage, 'SIGN_VERIFY');
    assert.deepEqual(created.KeyMetadata.SigningAlgorithms, ['ECDSA_SHA_256']);
    assert.equal(created.KeyMetadata.EncryptionAlgorithms, undefined);
    const described = await ok(['describe-key', '--key-id', keyId]);
    assert.deepEqual(described.KeyMetadata.SigningAlgorithms, ['ECDSA_SHA_256']);

    const pub = await ok(['get-public-key', '--key-id', keyId]);
    assert.equal(pub.KeyUsage, 'SIGN_VERIFY');
    assert.equal(pub.KeySpec, 'ECC_NIST_P256');
    assert.deepEqual(pub.SigningAlgorithms, ['ECDSA_SHA_256']);
    const publicKey = createPublicKey({ key: Buffer.from(pub.PublicKey, 'base64'), format: 'der', type: 'spki' });
    assert.equal(publicKey.asymmetricKeyType, 'ec');

    const raw = await ok([
      'sign',
      '--key-id',
      keyId,
      '--message',
      `fileb://${messageFile}`,
      '--message-type',
      'RAW',
      '--signing-algorithm',
      'ECDSA_SHA_256',
    ]);
    assert.equal(raw.KeyId, created.KeyMetadata.Arn);
    assert.ok(verify('sha256', message, publicKey, Buffer.from(raw.Signature, 'base64')));

    const digestFile = join(dir, 'digest');
    writeFileSync(digestFile, createHash('sha256').update(message).digest());
    const byDigest = await ok([
      'sign',
      '--key-id',
      keyId,
      '--message',
      `fileb://${digestFile}`,
      '--message-type',
      'DIGEST',
      '--signing-algorithm',
      'ECDSA_SHA_256',
    ]);
    const signature = Buffer.from(byDigest.Signature, 'base64');
    assert.ok(verify('sha256', message, publicKey, signature), 'a DIGEST signature is one over the message');

    const signatureFile = join(dir, 'signature');
    writeFileSync(signatureFile, signature);
    const verified = await ok([
      'verify',
      '--key-id',
      keyId,
      '--message',
      `fileb://${messageFile}`,
      '--message-type',
      'RAW',
      '--signature',
      `fileb://${signatureFile}`,
      '--signing-algorithm',
      'ECDSA_SHA_256',
    ]);
    assert.equal(verified.SignatureValid, true);

    const tampered = Buffer.from(signature);
    tampered[tampered.length - 2]! ^= 0x01;
    writeFileSync(signatureFile, tampered);
    const bad = await aws([
      'verify',
      '--key-id',
      keyId,
      '--message',
      `fileb://${messageFile}`,
      '--signature',
      `fileb://${signatureFile}`,
      '--signing-algorithm',
      'ECDSA_SHA_256',
    ]);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /KMSInvalidSignatureException/);
  });

  test('an RSA_2048 key signs with PSS and PKCS #1 v1.5, and refuses what a signing key does not do', async (t) => {
    if (!requireAwsCli(t)) return;
    const created = await ok(['create-key', '--key-spec', 'RSA_2048', '--key-usage', 'SIGN_VERIFY']);
    const keyId = created.KeyMetadata.KeyId;
    assert.equal(created.KeyMetadata.SigningAlgorithms.length, 6);
    const pub = await ok(['get-public-key', '--key-id', keyId]);
    const publicKey = createPublicKey({ key: Buffer.from(pub.PublicKey, 'base64'), format: 'der', type: 'spki' });
    assert.equal(publicKey.asymmetricKeyDetails?.modulusLength, 2048);

    const pss = await ok([
      'sign',
      '--key-id',
      keyId,
      '--message',
      `fileb://${messageFile}`,
      '--signing-algorithm',
      'RSASSA_PSS_SHA_384',
    ]);
    assert.ok(
      verify(
        'sha384',
        message,
        { key: publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 48 },
        Buffer.from(pss.Signature, 'base64'),
      ),
    );
    const pkcs1 = await ok([
      'sign',
      '--key-id',
      keyId,
      '--message',
      `fileb://${messageFile}`,
      '--signing-algorithm',
      'RSASSA_PKCS1_V1_5_SHA_256',
    ]);
    assert.ok(verify('sha256', message, publicKey, Buffer.from(pkcs1.Signature, 'base64')));

    const wrongAlgorithm = await aws([
      'sign',
      '--key-id',
      keyId,
      '--message',
      `fileb://${messageFile}`,
      '--signing-algorithm',
      'ECDSA_SHA_256',
    ]);
    assert.match(wrongAlgorithm.stderr, /InvalidKeyUsageException/);
    const encrypt = await aws(['encrypt', '--key-id', keyId, '--plaintext', `fileb://${messageFile}`]);
    assert.match(encrypt.stderr, /InvalidKeyUsageException/);
    const rotate = await aws(['enable-key-rotation', '--key-id', keyId]);
    assert.match(rotate.stderr, /UnsupportedOperationException/);
    const symmetric = (await ok(['create-key'])).KeyMetadata.KeyId;
    const signSymmetric = await aws([
      'sign',
      '--key-id',
      symmetric,
      '--message',
      `fileb://${messageFile}`,
      '--signing-algorithm',
      'ECDSA_SHA_256',
    ]);
    assert.match(signSymmetric.stderr, /InvalidKeyUsageException/);
    const badSpec = await aws(['create-key', '--key-spec', 'ECC_NIST_P256', '--key-usage', 'ENCRYPT_DECRYPT']);
    assert.match(badSpec.stderr, /UnsupportedOperationException/);
  });

  test('grants on a signing key take Sign, Verify and GetPublicKey, not Encrypt', async () => {
    const created = await callKms(server.berth.app, 'CreateKey', { KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' });
    const keyId = created.body.KeyMetadata.KeyId;
    const grantee = `arn:aws:iam::${server.berth.accountId}:root`;
    const good = await callKms(server.berth.app, 'CreateGrant', {
      KeyId: keyId,
      GranteePrincipal: grantee,
      Operations: ['Sign', 'GetPublicKey'],
    });
    assert.equal(good.status, 200, JSON.stringify(good.body));
    const bad = await callKms(server.berth.app, 'CreateGrant', {
      KeyId: keyId,
      GranteePrincipal: grantee,
      Operations: ['Encrypt'],
    });
    assert.equal(bad.body.__type, 'ValidationException');
    const tooLong = await callKms(server.berth.app, 'Sign', {
      KeyId: keyId,
      Message: Buffer.alloc(20).toString('base64'),
      MessageType: 'DIGEST',
      SigningAlgorithm: 'ECDSA_SHA_256',
    });
    assert.equal(tooLong.body.__type, 'ValidationException');
    assert.equal(tooLong.status, 400);
  });
});
