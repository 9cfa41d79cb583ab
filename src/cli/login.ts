// `berth login`: prints a registry password for `docker login --username AWS --password-stdin`,
// as `aws ecr get-login-password` does, from the caller's access key.
import { Command } from 'commander';
import { endpointFrom, fetchAuthorization, regionFrom } from '../client/authorization.js';
import { CommandError } from './errors.js';

interface LoginOptions {
  endpointUrl?: string;
  region?: string;
  accessKeyId?: string;
  secretAccessKey?: string;
}

export function loginCommand(): Command {
  return new Command('login')
    .description('print a registry password (valid 12 hours) for: berth login | docker login --username AWS --password-stdin HOST')
    .option('--endpoint-url <url>', 'the Berth to ask (default: BERTH_ENDPOINT_URL, AWS_ENDPOINT_URL_ECR, AWS_ENDPOINT_URL, or http://localhost:5000)')
    .option('--region <region>', "the deployment's region (default: AWS_REGION, AWS_DEFAULT_REGION, or us-east-1)")
    .option('--access-key-id <id>', 'access key (default: AWS_ACCESS_KEY_ID, or AWS_PROFILE and ~/.aws as the AWS CLI reads them)')
    .option('--secret-access-key <secret>', 'its secret (prefer AWS_SECRET_ACCESS_KEY: flags show in the process list)')
    .action(async (options: LoginOptions) => {
      if (Boolean(options.accessKeyId) !== Boolean(options.secretAccessKey)) throw new CommandError('--access-key-id and --secret-access-key go together');
      const credentials = options.accessKeyId && options.secretAccessKey ? { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey } : undefined;
      const authorization = await fetchAuthorization({ endpoint: endpointFrom(options.endpointUrl), region: regionFrom(options.region), ...(credentials && { credentials }) });
      process.stdout.write(`${authorization.password}\n`);
      if (process.stdout.isTTY) {
        process.stderr.write(`Use it with: berth login | docker login --username ${authorization.username} --password-stdin ${new URL(authorization.proxyEndpoint).host}\n`);
      }
    });
}
