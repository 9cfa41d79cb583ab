#!/usr/bin/env -S node --max-semi-space-size=4
// The `berth` command: serve the registry, administer identities, log in, check a configuration.
// The first line is how the command runs: a small young generation (the server's young objects
// are small; request and blob bytes live outside the heap), which keeps resident memory down.
// Tools that start this file with `node` themselves read the flags from it (node-flags.ts).
import { Command } from 'commander';
import { ConfigError, environmentVariables, loadConfig } from '../config/load.js';
import { adminCommand } from './admin.js';
import { configFromOptions, withDeploymentOptions } from './config-options.js';
import { isUserError } from './errors.js';
import { loginCommand } from './login.js';
import { imagesCommand, repoCommand } from './repos.js';

/** How long a stop waits for in-flight requests before closing their connections (uploads stay resumable). */
const SHUTDOWN_GRACE_MS = 10_000;

interface ServeOptions {
  listen?: string;
  dataDir?: string;
  config?: string;
  nodeId?: string;
  tlsCert?: string;
  tlsKey?: string;
  tlsSelfSigned?: boolean;
}

const program = new Command('berth').description('A self-hosted container registry that does what Amazon ECR does');

withDeploymentOptions(program.command('serve'))
  .description('run the registry (embedded default: SQLite and files under ./data, on localhost:5000)')
  .option('--listen <host:port>', 'address to listen on')
  .option('--node-id <id>', "this node's name in logs (default <hostname>-<pid>)")
  .option('--tls-cert <file>', 'serve HTTPS (HTTP/2 and HTTP/1.1) with this PEM certificate (chain); reloaded on SIGHUP')
  .option('--tls-key <file>', 'the PEM private key of --tls-cert')
  .option('--tls-self-signed', 'serve HTTPS with a certificate of a local CA created once under <data-dir>/tls')
  .action(async (options: ServeOptions) => {
    const tls = { ...(options.tlsCert && { cert: options.tlsCert }), ...(options.tlsKey && { key: options.tlsKey }), ...(options.tlsSelfSigned && { selfSigned: true }) };
    const config = configFromOptions(options, { ...(options.listen && { listen: options.listen }), ...(options.nodeId && { nodeId: options.nodeId }), ...(Object.keys(tls).length > 0 && { tls }) });
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
    if (berth.tls?.selfSigned) process.stderr.write((await import('../tls/setup.js')).trustInstructions(berth.tls.selfSigned, new URL(url).host) + '\n');
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
        berth.closeAllConnections();
      }, SHUTDOWN_GRACE_MS).unref();
      berth.close().then(() => process.exit(0), () => process.exit(1));
    };
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGHUP', () => {
      if (!berth.tls) return void berth.app.log.warn('SIGHUP: TLS is not configured, there is no certificate to reload');
      try {
        const served = berth.reloadTls();
        berth.app.log.info({ cert: berth.tls.files.cert, fingerprint: served.fingerprint, serialNumber: served.serialNumber, validTo: served.validTo }, 'SIGHUP: reloaded the TLS certificate for new connections');
      } catch (err) {
        berth.app.log.error({ err: (err as Error).message }, 'SIGHUP: the TLS certificate was not reloaded; still serving the previous one');
      }
    });
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
  const { syscall, code, address, port } = err as NodeJS.ErrnoException & { address?: string; port?: number };
  if (syscall === 'listen' && (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL')) {
    const reason = code === 'EADDRINUSE' ? 'the address is in use' : code === 'EACCES' ? 'permission denied' : 'no such address on this machine';
    process.stderr.write(`berth: cannot listen on ${address}:${port}: ${reason}\n`);
    process.exit(1);
  }
  if (isUserError(err)) {
    process.stderr.write(`berth: ${err.message}\n`);
    process.exit(1);
  }
  process.stderr.write(`berth: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
