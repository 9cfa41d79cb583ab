// `berth protect`: deletion protection of repositories and tag patterns in them, changed offline
// in the configured database (the same --config, --data-dir and BERTH_* settings as serve). A
// protected image refuses BatchDeleteImage, DELETE on /v2 and lifecycle expiry; a repository with
// any protection refuses DeleteRepository; until `berth protect rm` lifts it.
import { Command } from 'commander';
import type { Deployment } from '../app/deployment.js';
import { protectionLabel } from '../domain/deletion-protection.js';
import { DeletionProtections } from '../registry/deletion-protection.js';
import { ACCOUNT, accountOf, type AccountOption, type ListOptions, withDeployment } from './admin.js';
import { withDeploymentOptions } from './config-options.js';
import { json, table, time } from './output.js';

const print = (text: string): void => {
  process.stdout.write(text);
};

interface ProtectOptions extends AccountOption {
  repository: string;
  tagPattern?: string;
}

const REPOSITORY = ['--repository <name>', 'the repository'] as const;
const TAG_PATTERN = [
  '--tag-pattern <pattern>',
  'only tags matching this pattern (* matches any run of characters, e.g. prod-*); without it, the whole repository',
] as const;

const service = (deployment: Deployment) => new DeletionProtections(deployment.store);

export function protectCommand(): Command {
  const protect = withDeploymentOptions(new Command('protect')).description(
    'deletion protection: repositories and tag patterns that no delete (API, /v2, lifecycle) removes (no server needed)',
  );
  protect
    .command('add')
    .description('protect a repository, or the tags of it a pattern matches')
    .requiredOption(...REPOSITORY)
    .option(...TAG_PATTERN)
    .option('--by <who>', 'who asks (shown by ls)')
    .option(...ACCOUNT)
    .action((options: ProtectOptions & { by?: string }, command: Command) =>
      withDeployment(command, async (deployment) => {
        const { protection, added } = await service(deployment).add(
          accountOf(options, deployment),
          options.repository,
          options.tagPattern,
          options.by ?? null,
        );
        print(
          `${protection.repositoryName} protected: ${protectionLabel(protection.tagPattern)}${added ? '' : ' (already)'}\n`,
        );
      }),
    );
  protect
    .command('list')
    .alias('ls')
    .description("list the protections of the account's repositories (or of one)")
    .option('--repository <name>', 'only this repository')
    .option(...ACCOUNT)
    .option('--json', 'print JSON')
    .action((options: AccountOption & ListOptions & { repository?: string }, command: Command) =>
      withDeployment(command, async (deployment) => {
        const list = await service(deployment).list(accountOf(options, deployment), options.repository);
        if (options.json)
          return print(
            json(
              list.map((p) => ({
                Repository: p.repositoryName,
                TagPattern: p.tagPattern,
                CreatedAt: time(p.createdAt),
                CreatedBy: p.createdBy,
              })),
            ),
          );
        print(
          table(
            ['REPOSITORY', 'PROTECTED', 'SINCE', 'BY'],
            list.map((p) => [p.repositoryName, protectionLabel(p.tagPattern), time(p.createdAt), p.createdBy ?? '']),
          ),
        );
      }),
    );
  protect
    .command('remove')
    .alias('rm')
    .description('lift a protection (the same --repository and --tag-pattern it was added with)')
    .requiredOption(...REPOSITORY)
    .option(...TAG_PATTERN)
    .option(...ACCOUNT)
    .action((options: ProtectOptions, command: Command) =>
      withDeployment(command, async (deployment) => {
        const removed = await service(deployment).remove(
          accountOf(options, deployment),
          options.repository,
          options.tagPattern,
        );
        print(
          `${options.repository} ${removed ? 'no longer protected' : 'was not protected'}: ${protectionLabel(options.tagPattern ?? null)}\n`,
        );
      }),
    );
  return protect;
}
