// `berth admin aliases`: the public registry's custom aliases awaiting an administrator, decided
// offline in the configured database (a running server sees a decision within 5 s).
import { Command } from 'commander';
import { AliasService } from '../public/aliases.js';
import type { AliasStatus, RegistryAlias } from '../domain/records/public.js';
import { withDeployment } from './admin.js';
import { CommandError } from './errors.js';
import { json, table, time } from './output.js';

const print = (text: string): void => {
  process.stdout.write(text);
};

const STATUSES: AliasStatus[] = ['ACTIVE', 'PENDING', 'REJECTED'];

function row(alias: RegistryAlias): string[] {
  return [
    alias.name,
    alias.accountId,
    alias.status,
    alias.primary ? 'yes' : '',
    alias.default ? 'yes' : '',
    time(alias.createdAt),
  ];
}

export function aliasesCommand(): Command {
  const aliases = new Command('aliases').description(
    'public registry aliases: default ones, and custom ones to approve or reject',
  );
  const service = (deployment: {
    store: ConstructorParameters<typeof AliasService>[0];
    config: { public: { reservedAliases: string[] } };
  }) => new AliasService(deployment.store, deployment.config.public.reservedAliases);
  aliases
    .command('list')
    .alias('ls')
    .description('list aliases (PENDING ones are waiting for approve or reject)')
    .option('--status <status>', `only ${STATUSES.join(', ')}`)
    .option('--json', 'print JSON')
    .action((options: { status?: string; json?: boolean }, command: Command) =>
      withDeployment(command, async (deployment) => {
        const status = options.status?.toUpperCase();
        if (status !== undefined && !STATUSES.includes(status as AliasStatus))
          throw new CommandError(`--status must be one of ${STATUSES.join(', ')}`);
        const list = await service(deployment).list(status as AliasStatus | undefined);
        if (options.json)
          return print(
            json(
              list.map((a) => ({
                Name: a.name,
                RegistryId: a.accountId,
                Status: a.status,
                Primary: a.primary,
                Default: a.default,
                CreatedAt: time(a.createdAt),
              })),
            ),
          );
        print(table(['ALIAS', 'ACCOUNT', 'STATUS', 'PRIMARY', 'DEFAULT', 'REQUESTED'], list.map(row)));
      }),
    );
  aliases
    .command('approve <alias>')
    .description("approve a pending alias: it becomes the account's primary alias (the default one keeps working)")
    .action((name: string, _options: unknown, command: Command) =>
      withDeployment(command, async (deployment) => {
        const alias = await service(deployment).approve(name);
        print(`${alias.name} ${alias.status} (primary alias of ${alias.accountId})\n`);
      }),
    );
  aliases
    .command('reject <alias>')
    .description('reject a pending alias')
    .action((name: string, _options: unknown, command: Command) =>
      withDeployment(command, async (deployment) => {
        const alias = await service(deployment).reject(name);
        print(`${alias.name} ${alias.status}\n`);
      }),
    );
  aliases
    .command('request <alias>')
    .description(
      'request a custom alias for an account (as its RequestRegistryAlias would); it stays PENDING until approved',
    )
    .option('--account <id>', "the account (default: the deployment's default account)")
    .action((name: string, options: { account?: string }, command: Command) =>
      withDeployment(command, async (deployment) => {
        const alias = await service(deployment).request(options.account ?? deployment.accountId, name);
        print(`${alias.name} ${alias.status}\n`);
      }),
    );
  return aliases;
}
