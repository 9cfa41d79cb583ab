// `berth admin rotate-master-key`: re-seals every secret with a new master key (no blob is
// re-encrypted), with its progress on standard error.
import { Command } from 'commander';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dataPath, type Deployment } from '../app/deployment.js';
import { MasterKey, ROTATION_PHASES, rotateMasterKey, type RotationCount } from '../app/master-key-rotation.js';
import { withDeployment } from './admin.js';
import { CommandError } from './errors.js';
import { progress } from './progress.js';

const LABELS: Record<keyof RotationCount, string> = {
  settings: 'signing keys',
  accessKeys: 'access key secrets',
  blobKeys: 'blob data keys',
  uploadKeys: 'upload data keys',
  kmsMaterial: 'KMS key material',
  secretValues: 'Secrets Manager values',
  webhookSecrets: 'webhook signing secrets',
};

async function rotate(deployment: Deployment, next: MasterKey): Promise<RotationCount> {
  const display = progress('rotate-master-key', ROTATION_PHASES.length);
  try {
    return await rotateMasterKey(deployment.store, deployment.masterKey, next, (phase, count, done) => {
      display.update(ROTATION_PHASES.indexOf(phase), LABELS[phase], `${count[phase]} re-sealed`, done);
    });
  } finally {
    display.end();
  }
}

/**
 * With a key file, the new key waits in `<file>.next` until everything is re-sealed and then
 * replaces the file, so an interrupted run is finished by running it again. With keys.masterKey,
 * the new key is printed.
 */
export function rotateMasterKeyCommand(): Command {
  return new Command('rotate-master-key')
    .description('seal every secret and data key with a new master key; then restart every node with it')
    .option('--new-key <key>', 'the new key: 32 bytes, base64 or hex (default: a new random key)')
    .action((options: { newKey?: string }, command: Command) =>
      withDeployment(command, async (deployment) => {
        const { config } = deployment;
        let given: MasterKey | undefined;
        try {
          given = options.newKey === undefined ? undefined : MasterKey.parse(options.newKey);
        } catch (err) {
          throw new CommandError(`--new-key: ${(err as Error).message}`);
        }
        if (config.keys.masterKey) {
          const next = given ?? MasterKey.generate();
          const count = await rotate(deployment, next);
          process.stderr.write(
            `re-sealed ${JSON.stringify(count)}. Set keys.masterKey (BERTH_KEYS_MASTER_KEY) to this key on every node and restart them:\n`,
          );
          process.stdout.write(`${next.encoded()}\n`);
          return;
        }
        const file = dataPath(config, config.keys.masterKeyFile, 'master.key');
        const pending = `${file}.next`;
        let next: MasterKey;
        if (existsSync(pending)) {
          next = MasterKey.parse(readFileSync(pending, 'utf8'));
          if (given && given.encoded() !== next.encoded())
            throw new CommandError(
              `an interrupted rotation to another key is pending in ${pending}: run without --new-key to finish it`,
            );
        } else {
          next = given ?? MasterKey.generate();
          writeFileSync(pending, `${next.encoded()}\n`, { mode: 0o600, flag: 'wx' });
        }
        const count = await rotate(deployment, next);
        renameSync(pending, file);
        process.stderr.write(
          `re-sealed ${JSON.stringify(count)}; the new master key is in ${file}: back it up, give it to every node and restart them\n`,
        );
      }),
    );
}
