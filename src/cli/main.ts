#!/usr/bin/env node
// The `berth` command: serve the registry, administer identities, log in, check a configuration.
import { Command } from 'commander';
import { ConfigError, environmentVariables, loadConfig } from '../config/load.js';
import { adminCommand } from './admin.js';
import { configFromOptions, withDeploymentOptions } from './config-options.js';
import { isUserError } from './errors.js';
import { loginCommand } from './login.js';
import { imagesCommand, repoCommand } from './repos.js';

/** How long a stop waits for in-flight requests before closing their connections (uploads stay resumable). */
const SHUTDOWN_GRACE_MS = 10_000;

const program = new Command('berth').description('A self-hosted container registry that does what Amazon ECR does');

withDeploymentOptions(program.command('serve'))
  .description('run the registry (embedded default: SQLite and files under ./data, on localhost:5000)')
  .option('--listen <host:port>', 'address to listen on')
  .option('--node-id <id>', "this node's name in logs (default <hostname>-<pid>)")
  .action(async (options: { listen?: string; dataDir?: string; config?: string; nodeId?: string }) => {
    const config = configFromOptions(options, { ...(options.listen && { listen: options.listen }), ...(options.nodeId && { nodeId: options.nodeId }) });
    // Loaded here so the commands that do not serve start without the HTTP stack.
    const { createBerth } = await import('../app.js');
    const berth = await createBerth(config);
    const url = await berth.listen();
    if (berth.bootstrapKey) {
      // Shown this once: only its encrypted form is kept.
      process.stderr.write([
        '',
        `Berth created the administrator access key of account ${berth.accountId} (shown only now):`,
        `  AWS_ACCESS_KEY_ID=${berth.bootstrapKey.accessKeyId}`,
        `  AWS_SECRET_ACCESS_KEY=${berth.bootstrapKey.secretAccessKey}`,
        `Use it with: aws ecr get-login-password --endpoint-url ${url} --region ${config.registry.region}`,
        '',
      ].join('\n') + '\n');
    }
    berth.app.log.info({ url, dataDir: config.dataDir, metadata: berth.store.backend, storage: berth.driver.name, account: berth.accountId }, 'Berth is listening');
    if (berth.publicApp) berth.app.log.info({ url: berth.publicUrl() }, 'the public registry and gallery are listening');
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      berth.app.log.info({ signal }, 'shutting down');
      // A client that stalls mid-request must not hold the process forever.
      setTimeout(() => {
        berth.app.log.warn({ graceMs: SHUTDOWN_GRACE_MS }, 'closing connections still open after the grace period');
        berth.app.server.closeAllConnections();
        berth.publicApp?.server.closeAllConnections();
      }, SHUTDOWN_GRACE_MS).unref();
      berth.close().then(() => process.exit(0), () => process.exit(1));
    };
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGTERM', () => stop('SIGTERM'));
  });

const configCommand = program.command('config').description('work with configuration files');
configCommand.command('verify <file>')
  .description('validate a configuration file (with the BERTH_* environment applied) and print the result')
  .action((file: string) => {
    const config = loadConfig({ file });
    process.stdout.write(`${file}: valid\n${JSON.stringify(config, null, 2)}\n`);
  });
configCommand.command('env')
  .description('list the BERTH_* environment variables that set each setting')
  .action(() => {
    process.stdout.write(`${environmentVariables().join('\n')}\n`);
  });

program.addCommand(adminCommand());
program.addCommand(loginCommand());
program.addCommand(repoCommand());
program.addCommand(imagesCommand());

program.parseAsync().catch((err: unknown) => {
  if (err instanceof ConfigError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(2);
  }
  if (isUserError(err)) {
    process.stderr.write(`berth: ${err.message}\n`);
    process.exit(1);
  }
  process.stderr.write(`berth: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
