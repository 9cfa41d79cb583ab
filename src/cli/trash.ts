// `berth trash`: deleted images kept restorable for registry.trashDays, listed and restored
// offline in the configured database (the same --config, --data-dir and BERTH_* settings as serve).
// A restore puts the manifest back with the tags it had, except a tag that points at another image
// by now: that one stays where it is, and the command says so.
import { Command } from 'commander';
import type { Deployment } from '../app/deployment.js';
import { privateRegistry, publicRegistry } from '../domain/registry.js';
import { Trash } from '../registry/trash.js';
import { ACCOUNT, accountOf, type AccountOption, type ListOptions, withDeployment } from './admin.js';
import { withDeploymentOptions } from './config-options.js';
import { json, table, time } from './output.js';

const print = (text: string): void => {
  process.stdout.write(text);
};

const DAY_MS = 24 * 60 * 60 * 1000;

const service = (deployment: Deployment) => new Trash(deployment.store, deployment.config.registry.trashDays);

interface RegistryOptions extends AccountOption {
  public?: boolean;
}

const PUBLIC = ['--public', "the account's public registry (ECR Public) rather than its private one"] as const;

const registryOf = (options: RegistryOptions, deployment: Deployment) =>
  options.public ? publicRegistry(accountOf(options, deployment)) : privateRegistry(accountOf(options, deployment));

export function trashCommand(): Command {
  const trash = withDeploymentOptions(new Command('trash')).description(
    'deleted images, restorable for registry.trashDays (no server needed)',
  );
  trash
    .command('list')
    .alias('ls')
    .description("list the deleted images of the account's repositories (or of one), newest first")
    .option('--repository <name>', 'only this repository')
    .option(...ACCOUNT)
    .option(...PUBLIC)
    .option('--json', 'print JSON')
    .action((options: RegistryOptions & ListOptions & { repository?: string }, command: Command) =>
      withDeployment(command, async (deployment) => {
        const days = deployment.config.registry.trashDays;
        const list = await service(deployment).list(registryOf(options, deployment), options.repository);
        if (options.json)
          return print(
            json(
              list.map((e) => ({
                Repository: e.repositoryName,
                ImageDigest: e.manifest.digest,
                ImageTags: e.tags,
                MediaType: e.manifest.mediaType,
                DeletedAt: time(e.deletedAt),
                DeletedBy: e.deletedBy,
                PurgedAfter: time(e.deletedAt + days * DAY_MS),
              })),
            ),
          );
        print(
          table(
            ['REPOSITORY', 'DIGEST', 'TAGS', 'DELETED', 'BY'],
            list.map((e) => [
              e.repositoryName,
              e.manifest.digest,
              e.tags.join(',') || '-',
              time(e.deletedAt),
              e.deletedBy,
            ]),
          ),
        );
      }),
    );
  trash
    .command('restore <digest>')
    .description('put a deleted image back with its tags (a tag now on another image stays there)')
    .requiredOption('--repository <name>', 'the repository it was deleted from')
    .option(...ACCOUNT)
    .option(...PUBLIC)
    .action((digest: string, options: RegistryOptions & { repository: string }, command: Command) =>
      withDeployment(command, async (deployment) => {
        const report = await service(deployment).restore(registryOf(options, deployment), options.repository, digest);
        for (const restored of report.restored) print(`restored ${options.repository}@${restored}\n`);
        for (const tag of report.tags) print(`tagged ${options.repository}:${tag}\n`);
        for (const { tag, digest: now } of report.taken)
          print(`not tagged ${options.repository}:${tag}: the tag is on ${now} now (left there)\n`);
      }),
    );
  return trash;
}
