// `berth serve`: runs the registry (and the public registry and gallery on their own listener)
// until SIGINT or SIGTERM (or, started by npm, until npm exits: npm-parent.ts); SIGHUP reloads the
// TLS certificate. One server per data directory.
import { Command } from 'commander';
import { configFromOptions, withDeploymentOptions } from './config-options.js';
import { lockDataDir } from './data-dir-lock.js';
import { followParent, startedByNpm } from './npm-parent.js';

/** How long a stop waits for in-flight requests before closing their connections (uploads stay resumable). */
const SHUTDOWN_GRACE_MS = 10_000;

interface ServeOptions {
  listen?: string;
  publicListen?: string | false;
  dataDir?: string;
  config?: string;
  nodeId?: string;
  tlsCert?: string;
  tlsKey?: string;
  tlsSelfSigned?: boolean;
}

/** The settings the flags set (only those given: unset flags leave the file and environment be). */
function flagSettings(options: ServeOptions): Record<string, unknown> {
  const tls = {
    ...(options.tlsCert && { cert: options.tlsCert }),
    ...(options.tlsKey && { key: options.tlsKey }),
    ...(options.tlsSelfSigned && { selfSigned: true }),
  };
  return {
    ...(options.listen && { listen: options.listen }),
    ...(options.nodeId && { nodeId: options.nodeId }),
    ...(Object.keys(tls).length > 0 && { tls }),
    ...(options.publicListen !== undefined && {
      public: { listen: options.publicListen === false ? '' : options.publicListen },
    }),
  };
}

export function serveCommand(): Command {
  return withDeploymentOptions(new Command('serve'))
    .description(
      'run the registry (embedded default: SQLite and files under ./data, on localhost:5000; the public registry and gallery on localhost:5001)',
    )
    .option('--listen <host:port>', 'address to listen on')
    .option('--public-listen <host:port>', 'address of the public registry and gallery (public.listen)')
    .option('--no-public-listen', 'no public registry and gallery listener')
    .option('--node-id <id>', "this node's name in logs (default <hostname>-<pid>)")
    .option(
      '--tls-cert <file>',
      'serve HTTPS (HTTP/2 and HTTP/1.1) with this PEM certificate (chain); reloaded on SIGHUP',
    )
    .option('--tls-key <file>', 'the PEM private key of --tls-cert')
    .option('--tls-self-signed', 'serve HTTPS with a certificate of a local CA created once under <data-dir>/tls')
    .action(async (options: ServeOptions) => {
      const config = configFromOptions(options, flagSettings(options));
      // One embedded (SQLite) server per data directory; scale-out nodes on PostgreSQL may share
      // one (a shared volume), their uploads serialized through the database.
      const embedded = !/^postgres(ql)?:/.test(config.metadata.url);
      const lock = embedded ? lockDataDir(config.dataDir) : undefined;
      // Loaded here so the commands that do not serve start without the HTTP stack.
      const { createBerth } = await import('../app/berth.js');
      const berth = await createBerth(config);
      const url = await berth.listen();
      if (berth.bootstrapKey) {
        // Shown this once: only its encrypted form is kept.
        process.stderr.write(
          `${[
            '',
            `Berth created the administrator access key of account ${berth.accountId} (shown only now):`,
            `  AWS_ACCESS_KEY_ID=${berth.bootstrapKey.accessKeyId}`,
            `  AWS_SECRET_ACCESS_KEY=${berth.bootstrapKey.secretAccessKey}`,
            `Use it with: aws ecr get-login-password --endpoint-url ${url} --region ${config.registry.region}`,
            '',
          ].join('\n')}\n`,
        );
      }
      if (berth.tls?.selfSigned)
        process.stderr.write(
          `${(await import('../tls/setup.js')).trustInstructions(berth.tls.selfSigned, new URL(url).host)}\n`,
        );
      berth.app.log.info(
        {
          url,
          dataDir: config.dataDir,
          metadata: berth.store.backend,
          storage: berth.driver.name,
          account: berth.accountId,
        },
        'Berth is listening',
      );
      if (berth.publicApp)
        berth.app.log.info({ url: berth.publicUrl() }, 'the public registry and gallery are listening');
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
        berth.close().then(
          () => {
            lock?.release();
            process.exit(0);
          },
          () => process.exit(1),
        );
      };
      process.on('SIGINT', () => stop('SIGINT'));
      process.on('SIGTERM', () => stop('SIGTERM'));
      if (startedByNpm()) followParent(stop);
      process.on('SIGHUP', () => {
        if (!berth.tls)
          return void berth.app.log.warn('SIGHUP: TLS is not configured, there is no certificate to reload');
        try {
          const served = berth.reloadTls();
          berth.app.log.info(
            {
              cert: berth.tls.files.cert,
              fingerprint: served.fingerprint,
              serialNumber: served.serialNumber,
              validTo: served.validTo,
            },
            'SIGHUP: reloaded the TLS certificate for new connections',
          );
        } catch (err) {
          berth.app.log.error(
            { err: (err as Error).message },
            'SIGHUP: the TLS certificate was not reloaded; still serving the previous one',
          );
        }
      });
    });
}
