// The options every command that opens a deployment takes (--config, --data-dir), loaded the
// same way for all of them: defaults < file < BERTH_* environment < flags.
import type { Command } from 'commander';
import { loadConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';

export interface DeploymentOptions {
  config?: string;
  dataDir?: string;
}

/** The flag that sets each setting, so that a bad value is reported as the flag's. */
const FLAGS: Record<string, string> = {
  dataDir: '--data-dir',
  listen: '--listen',
  nodeId: '--node-id',
  'tls.cert': '--tls-cert',
  'tls.key': '--tls-key',
  'tls.selfSigned': '--tls-self-signed',
  'public.listen': '--public-listen',
};

export function withDeploymentOptions(command: Command): Command {
  return command
    .option('--config <file>', 'YAML configuration file')
    .option('--data-dir <dir>', 'directory for the database and blobs');
}

/** The configuration the options, the file they name and the environment make; `overrides` are more flags. */
export function configFromOptions(options: DeploymentOptions, overrides: Record<string, unknown> = {}): Config {
  return loadConfig({
    ...(options.config && { file: options.config }),
    overrides: { ...(options.dataDir && { dataDir: options.dataDir }), ...overrides },
    flags: FLAGS,
  });
}
