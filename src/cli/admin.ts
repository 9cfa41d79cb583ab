// `berth admin`: accounts, users and access keys, changed offline in the configured database
// (the same --config, --data-dir and BERTH_* settings as serve; no server needs to run).
// A running server sees a change within the 5 s key cache.
// Subcommands are named list, create, delete, … (the older ls and rm stay as aliases). Every
// command but `init` refuses a place where no deployment is, rather than making a new one there.
import { Command } from 'commander';
import { openDeployment, type Deployment } from '../app/deployment.js';
import type { AccessKeyStatus } from '../domain/records/identities.js';
import { configFromOptions, withDeploymentOptions, type DeploymentOptions } from './config-options.js';
import { consolePasswordCommand } from './admin-console.js';
import { aliasesCommand } from './admin-aliases.js';
import { storageMovesCommand } from './admin-archive.js';
import { policiesCommand } from './admin-policies.js';
import { rotateMasterKeyCommand } from './admin-rotate.js';
import { CommandError } from './errors.js';
import { json, table, time } from './output.js';

export interface AccountOption {
  account?: string;
}

export interface ListOptions {
  json?: boolean;
}

const print = (text: string): void => {
  process.stdout.write(text);
};

/** Runs `work` on the deployment the command's options name, and closes it; `create` only for `init`. */
export async function withDeployment(
  command: Command,
  work: (deployment: Deployment) => Promise<void>,
  create = false,
): Promise<void> {
  const deployment = await openDeployment(configFromOptions(command.optsWithGlobals<DeploymentOptions>()), { create });
  if (deployment.generatedMasterKey) {
    process.stderr.write(
      `berth: generated a new master key in ${deployment.generatedMasterKey}: back it up — secrets cannot be read without it\n`,
    );
  }
  try {
    await work(deployment);
  } finally {
    await deployment.close();
  }
}

export const accountOf = (options: AccountOption, deployment: Deployment) => options.account ?? deployment.accountId;
export const ACCOUNT = ['--account <id>', "the account (default: the deployment's default account)"] as const;

function accountsCommand(): Command {
  const accounts = new Command('accounts').description('accounts: each has its own registry, identities and keys');
  accounts
    .command('create')
    .description('create an account with its root identity; prints its id')
    .option('--id <id>', '12-digit account id (default: a new random one)')
    .action((options: { id?: string }, command: Command) =>
      withDeployment(command, async ({ identities }) => {
        print(`${(await identities.createAccount(options.id)).id}\n`);
      }),
    );
  accounts
    .command('list')
    .alias('ls')
    .description('list the accounts')
    .option('--json', 'print JSON')
    .action((options: ListOptions, command: Command) =>
      withDeployment(command, async ({ identities, accountId }) => {
        const list = await identities.listAccounts();
        if (options.json)
          return print(
            json(list.map((a) => ({ AccountId: a.id, CreatedAt: time(a.createdAt), Default: a.id === accountId }))),
          );
        print(
          table(
            ['ACCOUNT', 'CREATED', 'DEFAULT'],
            list.map((a) => [a.id, time(a.createdAt), a.id === accountId ? 'yes' : '']),
          ),
        );
      }),
    );
  return accounts;
}

function usersCommand(): Command {
  const users = new Command('users').description("an account's IAM users (its root identity is always there)");
  users
    .command('create <name>')
    .description('create a user; prints its ARN')
    .option(...ACCOUNT)
    .action((name: string, options: AccountOption, command: Command) =>
      withDeployment(command, async (deployment) => {
        const account = accountOf(options, deployment);
        const user = await deployment.identities.createUser(account, name);
        if (!user) throw new CommandError(`account ${account} already has a user ${name}`);
        print(`${user.arn}\n`);
      }),
    );
  users
    .command('list')
    .alias('ls')
    .description("list the account's identities, the root first")
    .option(...ACCOUNT)
    .option('--json', 'print JSON')
    .action((options: AccountOption & ListOptions, command: Command) =>
      withDeployment(command, async (deployment) => {
        const list = await deployment.identities.listUsers(accountOf(options, deployment));
        if (options.json)
          return print(
            json(
              list.map((u) => ({
                UserName: u.name,
                UserId: u.id,
                Arn: u.arn,
                Kind: u.kind,
                CreatedAt: time(u.createdAt),
              })),
            ),
          );
        print(
          table(
            ['NAME', 'KIND', 'ARN', 'CREATED'],
            list.map((u) => [u.name, u.kind, u.arn, time(u.createdAt)]),
          ),
        );
      }),
    );
  users
    .command('delete <name>')
    .alias('rm')
    .description('delete a user and its access keys')
    .option(...ACCOUNT)
    .action((name: string, options: AccountOption, command: Command) =>
      withDeployment(command, async (deployment) => {
        await deployment.identities.deleteUser(accountOf(options, deployment), name);
      }),
    );
  return users;
}

function keysCommand(): Command {
  const keys = new Command('keys').description('access keys: what the AWS CLI, SDKs and berth login sign with');
  keys
    .command('create')
    .description('create an access key for the root identity or a user; prints the secret this once')
    .option(...ACCOUNT)
    .option('--user <name>', 'the IAM user (default: the account root)')
    .option('--json', 'print JSON')
    .action((options: AccountOption & ListOptions & { user?: string }, command: Command) =>
      withDeployment(command, async (deployment) => {
        const key = await deployment.identities.createAccessKeyFor(accountOf(options, deployment), options.user);
        if (options.json) {
          return print(
            json({
              AccessKey: {
                UserName: key.user.name,
                AccessKeyId: key.accessKeyId,
                Status: 'Active',
                SecretAccessKey: key.secretAccessKey,
              },
            }),
          );
        }
        process.stderr.write(`Created an access key for ${key.user.arn}. The secret is shown only now:\n`);
        print(`AWS_ACCESS_KEY_ID=${key.accessKeyId}\nAWS_SECRET_ACCESS_KEY=${key.secretAccessKey}\n`);
      }),
    );
  keys
    .command('list')
    .alias('ls')
    .description("list the account's access keys (of one user with --user); never their secrets")
    .option(...ACCOUNT)
    .option('--user <name>', 'only this user\'s keys ("root" for the root identity\'s)')
    .option('--json', 'print JSON')
    .action((options: AccountOption & ListOptions & { user?: string }, command: Command) =>
      withDeployment(command, async (deployment) => {
        const list = await deployment.identities.listAccessKeys(accountOf(options, deployment), options.user);
        if (options.json) {
          return print(
            json(
              list.map((k) => ({
                AccessKeyId: k.accessKeyId,
                UserName: k.userName,
                Status: k.status,
                CreateDate: time(k.createdAt),
                LastUsedDate: time(k.lastUsedAt),
                LastUsedServiceName: k.lastUsedService ?? 'N/A',
                LastUsedRegion: k.lastUsedRegion ?? 'N/A',
              })),
            ),
          );
        }
        const usedFor = (k: (typeof list)[number]) =>
          k.lastUsedService === null ? '-' : `${k.lastUsedService}/${k.lastUsedRegion}`;
        print(
          table(
            ['ACCESS KEY ID', 'USER', 'STATUS', 'CREATED', 'LAST USED', 'LAST USED FOR'],
            list.map((k) => [k.accessKeyId, k.userName, k.status, time(k.createdAt), time(k.lastUsedAt), usedFor(k)]),
          ),
        );
      }),
    );
  const setStatus = (name: string, status: AccessKeyStatus, description: string) =>
    keys
      .command(`${name} <key>`)
      .description(description)
      .action((key: string, _options: unknown, command: Command) =>
        withDeployment(command, ({ identities }) => identities.setAccessKeyStatus(key, status)),
      );
  setStatus('deactivate', 'Inactive', 'stop a key (and the registry passwords issued for it) from working');
  setStatus('activate', 'Active', 'let a deactivated key work again');
  keys
    .command('delete <key>')
    .alias('rm')
    .description('delete a key for good')
    .action((key: string, _options: unknown, command: Command) =>
      withDeployment(command, ({ identities }) => identities.deleteAccessKey(key)),
    );
  return keys;
}

/** Makes a deployment where there is none (what the first `berth serve` would), and prints its administrator key once. */
function initCommand(): Command {
  return new Command('init')
    .description(
      'create a new deployment in the configured database (as the first serve does): the master key, the default account and its administrator key',
    )
    .action((_options: unknown, command: Command) =>
      withDeployment(
        command,
        async (deployment) => {
          const { config, identities, accountId } = deployment;
          const pinned =
            config.admin.accessKeyId && config.admin.secretAccessKey
              ? { accessKeyId: config.admin.accessKeyId, secretAccessKey: config.admin.secretAccessKey }
              : undefined;
          const key = await identities.bootstrap(accountId, pinned);
          process.stderr.write(`the deployment's default account is ${accountId}\n`);
          if (key) {
            process.stderr.write(
              `Berth created the administrator access key of account ${accountId} (shown only now):\n`,
            );
            print(`AWS_ACCESS_KEY_ID=${key.accessKeyId}\nAWS_SECRET_ACCESS_KEY=${key.secretAccessKey}\n`);
          }
        },
        true,
      ),
    );
}

export function adminCommand(): Command {
  const admin = withDeploymentOptions(new Command('admin')).description(
    'manage accounts, users, access keys, public registry aliases and user policies in the configured database (no server needed)',
  );
  admin.addCommand(initCommand());
  admin.addCommand(accountsCommand());
  admin.addCommand(usersCommand());
  admin.addCommand(keysCommand());
  admin.addCommand(rotateMasterKeyCommand());
  admin.addCommand(policiesCommand());
  admin.addCommand(aliasesCommand());
  admin.addCommand(storageMovesCommand());
  admin.addCommand(consolePasswordCommand());
  return admin;
}
