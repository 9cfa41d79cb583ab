// The registry's master key: encrypts secrets at rest (access key secrets, signing keys, blobs'
// data keys under AES256, the key service's key material). From BERTH_KEYS_MASTER_KEY, or a file generated on first start.
// Every node of a deployment must use the same key.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

const VERSION = 'v1';
const TAG_BYTES = 16;

export class MasterKey {
  private constructor(private readonly key: Buffer) {}

  static fromBytes(key: Buffer): MasterKey {
    if (key.length !== 32) throw new Error('the master key must be 32 bytes (base64 or hex encoded)');
    return new MasterKey(key);
  }

  static generate(): MasterKey {
    return new MasterKey(randomBytes(32));
  }

  /** The key as the key file and keys.masterKey hold it (base64). */
  encoded(): string {
    return this.key.toString('base64');
  }

  static parse(text: string): MasterKey {
    const trimmed = text.trim();
    return MasterKey.fromBytes(
      /^[0-9a-fA-F]{64}$/.test(trimmed) ? Buffer.from(trimmed, 'hex') : Buffer.from(trimmed, 'base64'),
    );
  }

  /** Loads the key from `value`, else from `file`, generating the file when it does not exist. */
  static load(value: string, file: string, onGenerated: (file: string) => void): MasterKey {
    if (value) return MasterKey.parse(value);
    if (existsSync(file)) return MasterKey.parse(readFileSync(file, 'utf8'));
    const key = randomBytes(32);
    mkdirSync(dirname(file), { recursive: true });
    // Written whole beside it, then linked into place: a node starting at the same moment on the
    // same directory either links first or reads the complete key the other one linked.
    const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
    writeFileSync(temporary, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
    try {
      linkSync(temporary, file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return MasterKey.parse(readFileSync(file, 'utf8'));
      throw err;
    } finally {
      unlinkSync(temporary);
    }
    onGenerated(file);
    return new MasterKey(key);
  }

  /** AES-256-GCM with a fresh nonce: `v1.<nonce>.<ciphertext+tag>` (base64url). */
  encrypt(plaintext: string, context: string): string {
    const nonce = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, nonce);
    cipher.setAAD(Buffer.from(context));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return `${VERSION}.${nonce.toString('base64url')}.${body.toString('base64url')}`;
  }

  /** Decrypts what `encrypt` made with the same `context`; throws if it was tampered with. */
  decrypt(sealed: string, context: string): string {
    const [version, nonce, body] = sealed.split('.');
    if (version !== VERSION || !nonce || !body) throw new Error('unknown secret format');
    const bytes = Buffer.from(body, 'base64url');
    if (bytes.length < TAG_BYTES) throw new Error('sealed secret is truncated');
    // The tag length is fixed: GCM would otherwise accept a tag cut to 4 bytes, and so forgeries.
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(nonce, 'base64url'), {
      authTagLength: TAG_BYTES,
    });
    decipher.setAAD(Buffer.from(context));
    decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
    return Buffer.concat([decipher.update(bytes.subarray(0, bytes.length - TAG_BYTES)), decipher.final()]).toString(
      'utf8',
    );
  }
}
