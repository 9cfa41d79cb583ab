// `berth signing`: the repositories whose pulls require a valid signature (a Berth setting beyond
// ECR), changed offline in the configured database (the same --config, --data-dir and BERTH_*
// settings as serve). A pull on /v2 of an image without a Sigstore signature by one of the keys
// is refused with DENIED until `berth signing rm` lifts the requirement.
import { Command } from 'commander';
import type { Deployment } from '../app/deployment.js';
import { SignatureRequirements } from '../registry/signature-requirements.js';
import { ACCOUNT, accountOf, type AccountOption, type ListOptions, withDeployment } from './admin.js';
import { withDeploymentOptions } from './config-options.js';
import { json, table, time } from './output.js';

const print = (text: string): void => {
  process.stdout.write(text);
};

const REPOSITORY = ['--repository <name>', 'the repository'] as const;
const service = (deployment: Deployment) => new SignatureRequirements(deployment.store);
const collect = (value: string, previous: string[] = []) => [...previous, value];

export function signingCommand(): Command {
  const signing = withDeploymentOptions(new Command('signing')).description(
    'pull-time signature requirements: repositories whose pulls need a valid signature by given KMS keys (no server needed)',
  );
  signing
    .command('require')
    .description('require a valid signature by one of these KMS keys for pulls from a repository (replaces its list)')
    .requiredOption(...REPOSITORY)
    .requiredOption('--key <arn>', 'a KMS signing key ARN (or alias ARN); repeat for several', collect)
    .option(...ACCOUNT)
    .action((options: AccountOption & { repository: string; key: string[] }, command: Command) =>
      withDeployment(command, async (deployment) => {
        const r = await service(deployment).require(accountOf(options, deployment), options.repository, options.key);
        print(`${options.repository}: pulls require a signature by ${r.keyArns.join(' or ')}\n`);
      }),
    );
  signing
    .command('list')
    .alias('ls')
    .description("list the account's repositories that require signatures")
    .option(...ACCOUNT)
    .option('--json', 'print JSON')
    .action((options: AccountOption & ListOptions, command: Command) =>
      withDeployment(command, async (deployment) => {
        const list = await service(deployment).list(accountOf(options, deployment));
        if (options.json)
          return print(
            json(list.map((r) => ({ Repository: r.repositoryName, Keys: r.keyArns, UpdatedAt: time(r.updatedAt) }))),
          );
        print(
          table(
            ['REPOSITORY', 'KEYS', 'SINCE'],
            list.map((r) => [r.repositoryName, r.keyArns.join(','), time(r.updatedAt)]),
          ),
        );
      }),
    );
  signing
    .command('remove')
    .alias('rm')
    .description('lift the requirement of a repository')
    .requiredOption(...REPOSITORY)
    .option(...ACCOUNT)
    .action((options: AccountOption & { repository: string }, command: Command) =>
      withDeployment(command, async (deployment) => {
        const removed = await service(deployment).remove(accountOf(options, deployment), options.repository);
        print(`${options.repository}: ${removed ? 'pulls no longer require a signature' : 'required no signature'}\n`);
      }),
    );
  return signing;
}
