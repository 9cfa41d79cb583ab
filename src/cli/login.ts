// `berth login`: prints a registry password for `docker login --username AWS --password-stdin`,
// as `aws ecr get-login-password` does, from the caller's access key.
import { Command } from 'commander';
import {
  DEFAULT_ENDPOINT,
  endpointFrom,
  fetchAuthorization,
  fetchAuthorizationForServer,
  regionFrom,
} from '../client/authorization.js';
import { CommandError } from './errors.js';
import { checkedUrl, hasScheme, hostPort } from './endpoint.js';

interface LoginOptions {
  endpointUrl?: string;
  region?: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  caBundle?: string;
}

export function loginCommand(): Command {
  return new Command('login')
    .description(
      'print a registry password (valid 12 hours) for: berth login | docker login --username AWS --password-stdin HOST',
    )
    .option(
      '--endpoint-url <url>',
      'the Berth to ask (default: BERTH_ENDPOINT_URL, AWS_ENDPOINT_URL_ECR, AWS_ENDPOINT_URL, or localhost:5000 over https, else http)',
    )
    .option('--region <region>', "the deployment's region (default: AWS_REGION, AWS_DEFAULT_REGION, or us-east-1)")
    .option(
      '--access-key-id <id>',
      'access key (default: AWS_ACCESS_KEY_ID, or AWS_PROFILE and ~/.aws as the AWS CLI reads them)',
    )
    .option('--secret-access-key <secret>', 'its secret (prefer AWS_SECRET_ACCESS_KEY: flags show in the process list)')
    .option(
      '--ca-bundle <file>',
      'PEM file of the CAs that an https endpoint is trusted by (default: AWS_CA_BUNDLE; NODE_EXTRA_CA_CERTS adds to the system CAs)',
    )
    .action(async (options: LoginOptions) => {
      if (Boolean(options.accessKeyId) !== Boolean(options.secretAccessKey))
        throw new CommandError('--access-key-id and --secret-access-key go together');
      const credentials =
        options.accessKeyId && options.secretAccessKey
          ? { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey }
          : undefined;
      const endpoint = endpointFrom(options.endpointUrl);
      const settings = {
        region: regionFrom(options.region),
        ...(credentials && { credentials }),
        ...(options.caBundle && { caBundle: options.caBundle }),
      };
      // Nothing configured: the local registry, over https when it serves TLS. HOST:PORT without a
      // scheme (as --listen takes it) is asked the same way: https, or plain HTTP on loopback.
      const authorization =
        endpoint === DEFAULT_ENDPOINT
          ? await fetchAuthorizationForServer('localhost:5000', settings)
          : hasScheme(endpoint)
            ? await fetchAuthorization({ endpoint: checkedUrl(endpoint), ...settings })
            : await fetchAuthorizationForServer(hostPort(endpoint), settings);
      process.stdout.write(`${authorization.password}\n`);
      if (!authorization.ownRegistry) {
        process.stderr.write(
          `berth: note: your account has no registry host of its own on ${new URL(authorization.proxyEndpoint).host} (its registry is another account's); the password serves registries that share with you. An administrator gives your account a host with accounts.domain or accounts.hosts.\n`,
        );
      }
      if (process.stdout.isTTY) {
        process.stderr.write(
          `Use it with: berth login | docker login --username ${authorization.username} --password-stdin ${new URL(authorization.proxyEndpoint).host}\n`,
        );
      }
    });
}
