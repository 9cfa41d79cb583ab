// Rotating the master key without re-encrypting a blob: every secret sealed with it (access key
// secrets, the shared signing keys, blobs' and uploads' data key wraps, the key service's key
// material, Secrets Manager's values, webhook signing secrets) is opened with the old key and sealed with the new one, each kind by the code that
// owns it. Resumable: a value the old key cannot open but the new one can was re-sealed by an
// earlier, interrupted run.
import { resealAccessKeys } from '../iam/access-key-secrets.js';
import type { MasterKey } from '../keys/master-key.js';
import { type Reseal, resealer } from '../keys/reseal.js';
import { ALL_SECRETS } from '../keys/secrets.js';
import { resealSharedSecrets } from '../keys/shared-secret.js';
import { resealWebhookSecrets } from '../events/target-secrets.js';
import { resealKeyMaterial } from '../kms/key-material-reseal.js';
import type { MetadataStore } from '../metadata/store.js';
import { resealBlobKeys, resealUploadKeys } from '../registry/data-key-reseal.js';
import { resealSecretValues } from '../secrets/secret-reseal.js';

/** The master key type, for the command that rotates it (the CLI reaches keys/ through the composition root). */
export { MasterKey } from '../keys/master-key.js';

export interface RotationCount {
  settings: number;
  accessKeys: number;
  blobKeys: number;
  uploadKeys: number;
  kmsMaterial: number;
  secretValues: number;
  webhookSecrets: number;
}

type Phase = (store: MetadataStore, reseal: Reseal, onPage: (count: number) => void) => Promise<number>;

/** Each kind of secret and what re-seals it, in the order a rotation goes. */
const PHASES: [keyof RotationCount, Phase][] = [
  ['settings', (store, reseal) => resealSharedSecrets(store.settings, ALL_SECRETS, reseal)],
  ['accessKeys', (store, reseal) => resealAccessKeys(store, reseal)],
  ['blobKeys', resealBlobKeys],
  ['uploadKeys', (store, reseal) => resealUploadKeys(store, reseal)],
  ['kmsMaterial', resealKeyMaterial],
  ['secretValues', resealSecretValues],
  ['webhookSecrets', resealWebhookSecrets],
];

/** The kinds of secret, in the order a rotation re-seals them. */
export const ROTATION_PHASES: (keyof RotationCount)[] = PHASES.map(([phase]) => phase);

/** Told after each kind of secret and each page of one: which kind, and how many were re-sealed so far. */
export type RotationProgress = (phase: keyof RotationCount, count: Readonly<RotationCount>, done: boolean) => void;

export async function rotateMasterKey(
  store: MetadataStore,
  from: MasterKey,
  to: MasterKey,
  progress: RotationProgress = () => {},
): Promise<RotationCount> {
  const count: RotationCount = {
    settings: 0,
    accessKeys: 0,
    blobKeys: 0,
    uploadKeys: 0,
    kmsMaterial: 0,
    secretValues: 0,
    webhookSecrets: 0,
  };
  const reseal = resealer(from, to);
  for (const [phase, run] of PHASES) {
    count[phase] = await run(store, reseal, (sofar) => {
      count[phase] = sofar;
      progress(phase, count, false);
    });
    progress(phase, count, true);
  }
  return count;
}
