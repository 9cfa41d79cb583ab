// The options every command that calls a running Berth takes (its endpoint, region, key and CA
// bundle), and the connection they name.
import type { Command } from 'commander';
import { endpointFrom, regionFrom, type AuthorizationOptions } from '../client/authorization.js';
import { apiEndpoint } from './endpoint.js';
import { CommandError } from './errors.js';

export interface ConnectionOptions {
  endpointUrl?: string;
  region?: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  caBundle?: string;
}

/** Adds the connection options; `anonymous`: with no key at all, the command goes without one. */
export function withConnection(command: Command, anonymous = false): Command {
  return command
    .option(
      '--endpoint-url <url>',
      'the Berth to talk to (default: BERTH_ENDPOINT_URL, AWS_ENDPOINT_URL_ECR, AWS_ENDPOINT_URL, or http://localhost:5000)',
    )
    .option('--region <region>', "the deployment's region (default: AWS_REGION, AWS_DEFAULT_REGION, or us-east-1)")
    .option(
      '--access-key-id <id>',
      `access key (default: the AWS credential chain${anonymous ? '; none: anonymous' : ''})`,
    )
    .option('--secret-access-key <secret>', 'its secret (prefer AWS_SECRET_ACCESS_KEY)')
    .option('--ca-bundle <file>', 'PEM file of the CAs that an https endpoint is trusted by (default: AWS_CA_BUNDLE)');
}

/** The connection the options name. */
export function connection(options: ConnectionOptions): AuthorizationOptions {
  if (Boolean(options.accessKeyId) !== Boolean(options.secretAccessKey))
    throw new CommandError('--access-key-id and --secret-access-key go together');
  return {
    endpoint: apiEndpoint(endpointFrom(options.endpointUrl)),
    region: regionFrom(options.region),
    ...(options.accessKeyId &&
      options.secretAccessKey && {
        credentials: { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey },
      }),
    ...(options.caBundle && { caBundle: options.caBundle }),
  };
}
