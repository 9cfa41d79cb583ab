// An upload's data key is unwrapped once and kept for the upload's next requests (as blob keys
// are), while the state of a KMS wrapping key is still checked on every request; a forgotten
// upload's key is unwrapped again.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KmsError } from '../domain/kms-errors.js';
import type { KeyService } from '../kms/key-service.js';
import { MasterKey } from '../keys/master-key.js';
import type { MetadataStore } from '../metadata/store.js';
import type { Repository } from '../domain/records/repositories.js';
import { DataKeys } from './data-keys.js';

const UPLOAD = '0b0e7a8e-5f3c-4a55-9d7e-1c2b3a4d5e6f';

function repository(kmsKey: string | null): Repository {
  return { name: 'keys/cache', encryptionType: kmsKey ? 'KMS' : 'AES256', kmsKey } as Repository;
}

test('an upload key is unwrapped once under the master key', async () => {
  const master = MasterKey.generate();
  let decrypts = 0;
  const decrypt = master.decrypt.bind(master);
  master.decrypt = (sealed, context) => {
    decrypts++;
    return decrypt(sealed, context);
  };
  const keys = new DataKeys({} as MetadataStore, master, {} as KeyService);
  const made = await keys.forUpload(repository(null), UPLOAD);
  const first = await keys.ofUpload(UPLOAD, made.wrapped);
  const again = await keys.ofUpload(UPLOAD, made.wrapped);
  assert.equal(decrypts, 1);
  assert.equal(again.key.id, made.key.id);
  assert.ok(again.raw.equals(made.raw) && first.raw.equals(made.raw));
  keys.forgetUpload(UPLOAD);
  await keys.ofUpload(UPLOAD, made.wrapped);
  assert.equal(decrypts, 2, 'a forgotten upload key is unwrapped again');
});

test("a KMS-wrapped upload key is kept, but a disabled key refuses the upload's next request", async () => {
  let unwraps = 0;
  let disabled = false;
  const kms = {
    async assertUsable() {
      if (disabled) throw new KmsError('DisabledException', 'the key is disabled');
    },
    async wrap(_arn: string, raw: Buffer) {
      return Buffer.from(raw);
    },
    async unwrap(_arn: string, blob: Buffer) {
      unwraps++;
      return Buffer.from(blob);
    },
  } as unknown as KeyService;
  const keys = new DataKeys({} as MetadataStore, MasterKey.generate(), kms);
  const made = await keys.forUpload(repository('arn:aws:kms:us-east-1:123456789012:key/k'), UPLOAD);
  await keys.ofUpload(UPLOAD, made.wrapped);
  await keys.ofUpload(UPLOAD, made.wrapped);
  assert.equal(unwraps, 1);
  disabled = true;
  await assert.rejects(keys.ofUpload(UPLOAD, made.wrapped), { name: 'KmsError' });
});
