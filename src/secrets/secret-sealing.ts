// How a secret's value is kept: sealed with the master key (no KmsKeyId), or, for a secret with a
// KMS key, under a fresh data key (AES-256-GCM) that the key wraps, bound to the secret's ARN and
// version (the encryption context Secrets Manager uses). The sealed text names the key that
// wrapped it, so versions written before a key change stay readable.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { RegistryError } from '../domain/errors.js';
import type { KeyCaller } from '../domain/key-wrapping.js';
import { KmsError } from '../domain/kms-errors.js';
import type { SecretKeys } from '../domain/secret-keys.js';
import { SecretsError } from '../domain/secrets-errors.js';
import type { MasterKey } from '../keys/master-key.js';

/** A secret's value: text or bytes. */
export type SecretValue = { string: string } | { binary: Buffer };

/** The prefix of a value the master key sealed (a master key rotation re-seals those: secret-reseal.ts). */
export const MASTER = 'm1:';
const KMS = 'k1:';
const TAG_BYTES = 16;

const encode = (value: SecretValue) =>
  JSON.stringify('string' in value ? { s: value.string } : { b: value.binary.toString('base64') });

function decode(text: string): SecretValue {
  const parsed = JSON.parse(text) as { s?: string; b?: string };
  return parsed.s !== undefined ? { string: parsed.s } : { binary: Buffer.from(parsed.b ?? '', 'base64') };
}

/** Secrets Manager's encryption context for a version's data key. */
export const keyContext = (arn: string, versionId: string) => ({ SecretARN: arn, SecretVersionId: versionId });

export const masterContext = (arn: string, versionId: string) => `secretsmanager:${arn}:${versionId}`;

/** Whether an error is the key service's (a key missing, disabled, …); access refusals stay AccessDeniedException. */
function keyRefusal(err: unknown): err is KmsError {
  return err instanceof KmsError;
}

export class SecretSealing {
  constructor(
    private readonly masterKey: MasterKey,
    private readonly keys: SecretKeys,
  ) {}

  /** The key ARN a reference names, usable by this caller for encryption (EncryptionFailure otherwise). */
  async keyForWriting(caller: KeyCaller, reference: string, arn: string): Promise<string> {
    try {
      return await this.keys.keyFor(caller, reference, 'encrypt', { SecretARN: arn });
    } catch (err) {
      if (keyRefusal(err))
        throw new SecretsError('EncryptionFailure', `cannot encrypt with KMS key ${reference}: ${err.message}`);
      throw err;
    }
  }

  async seal(
    caller: KeyCaller,
    value: SecretValue,
    arn: string,
    versionId: string,
    keyArn: string | null,
  ): Promise<string> {
    if (keyArn === null) return MASTER + this.masterKey.encrypt(encode(value), masterContext(arn, versionId));
    const context = keyContext(arn, versionId);
    const dataKey = randomBytes(32);
    let wrapped: Buffer;
    try {
      await this.keys.keyFor(caller, keyArn, 'encrypt', context);
      wrapped = await this.keys.wrap(keyArn, dataKey, context);
    } catch (err) {
      if (keyRefusal(err))
        throw new SecretsError('EncryptionFailure', `cannot encrypt with KMS key ${keyArn}: ${err.message}`);
      throw err;
    }
    const nonce = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', dataKey, nonce);
    cipher.setAAD(Buffer.from(`${arn}:${versionId}`));
    const body = Buffer.concat([cipher.update(encode(value), 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return (
      KMS +
      JSON.stringify({
        k: keyArn,
        w: wrapped.toString('base64'),
        n: nonce.toString('base64'),
        c: body.toString('base64'),
      })
    );
  }

  async open(caller: KeyCaller, sealed: string, arn: string, versionId: string): Promise<SecretValue> {
    try {
      if (sealed.startsWith(MASTER))
        return decode(this.masterKey.decrypt(sealed.slice(MASTER.length), masterContext(arn, versionId)));
      if (!sealed.startsWith(KMS)) throw new Error('unknown sealed value format');
      const parts = JSON.parse(sealed.slice(KMS.length)) as { k: string; w: string; n: string; c: string };
      const context = keyContext(arn, versionId);
      let dataKey: Buffer;
      try {
        await this.keys.keyFor(caller, parts.k, 'decrypt', context);
        dataKey = await this.keys.unwrap(parts.k, Buffer.from(parts.w, 'base64'), context);
      } catch (err) {
        if (keyRefusal(err))
          throw new SecretsError('DecryptionFailure', `cannot decrypt with KMS key ${parts.k}: ${err.message}`);
        throw err;
      }
      const bytes = Buffer.from(parts.c, 'base64');
      const decipher = createDecipheriv('aes-256-gcm', dataKey, Buffer.from(parts.n, 'base64'), {
        authTagLength: TAG_BYTES,
      });
      decipher.setAAD(Buffer.from(`${arn}:${versionId}`));
      decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
      return decode(
        Buffer.concat([decipher.update(bytes.subarray(0, bytes.length - TAG_BYTES)), decipher.final()]).toString(
          'utf8',
        ),
      );
    } catch (err) {
      // Refusals (the key's policy, the caller's) stay AccessDeniedException, as AWS answers them.
      if (err instanceof SecretsError || err instanceof RegistryError) throw err;
      throw new SecretsError('DecryptionFailure', `the secret's value cannot be decrypted: ${(err as Error).message}`);
    }
  }
}
