// `berth admin`: accounts, users and access keys, changed offline in the configured database
// (the same --config, --data-dir and BERTH_* settings as serve; no server needs to run).
// A running server sees a change within the 5 s key cache.
import { Command } from 'commander';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dataPath, openDeployment, type Deployment } from '../deployment.js';
import { MasterKey } from '../keys/master-key.js';
import { rotateMasterKey } from '../master-key-rotation.js';
import type { AccessKeyStatus } from '../metadata/store.js';
import { configFromOptions, withDeploymentOptions, type DeploymentOptions } from './config-options.js';
import { aliasesCommand } from './admin-aliases.js';
import { CommandError } from './errors.js';
import { json, table, time } from './output.js';

interface AccountOption {
  account?: string;
}

interface ListOptions {
  json?: boolean;
}

const print = (text: string): void => {
  process.stdout.write(text);
};

/** Runs `work` on the deployment the command's options name, and closes it. */
export async function withDeployment(command: Command, work: (deployment: Deployment) => Promise<void>): Promise<void> {
  const deployment = await openDeployment(configFromOptions(command.optsWithGlobals<DeploymentOptions>()));
  if (deployment.generatedMasterKey) {
    process.stderr.write(`berth: generated a new master key in ${deployment.generatedMasterKey}: back it up — secrets cannot be read without it\n`);
  }
  try {
    await work(deployment);
  } finally {
    await deployment.close();
  }
}

const accountOf = (options: AccountOption, deployment: Deployment) => options.account ?? deployment.accountId;
const ACCOUNT = ['--account <id>', 'the account (default: the deployment\'s default account)'] as const;

function accountsCommand(): Command {
  const accounts = new Command('accounts').description('accounts: each has its own registry, identities and keys');
  accounts.command('create')
    .description('create an account with its root identity; prints its id')
    .option('--id <id>', '12-digit account id (default: a new random one)')
    .action((options: { id?: string }, command: Command) => withDeployment(command, async ({ identities }) => {
      print(`${(await identities.createAccount(options.id)).id}\n`);
    }));
  accounts.command('ls')
    .description('list the accounts')
    .option('--json', 'print JSON')
    .action((options: ListOptions, command: Command) => withDeployment(command, async ({ identities, accountId }) => {
      const list = await identities.listAccounts();
      if (options.json) return print(json(list.map((a) => ({ AccountId: a.id, CreatedAt: time(a.createdAt), Default: a.id === accountId }))));
      print(table(['ACCOUNT', 'CREATED', 'DEFAULT'], list.map((a) => [a.id, time(a.createdAt), a.id === accountId ? 'yes' : ''])));
    }));
  return accounts;
}

function usersCommand(): Command {
  const users = new Command('users').description("an account's IAM users (its root identity is always there)");
  users.command('create <name>')
    .description('create a user; prints its ARN')
    .option(...ACCOUNT)
    .action((name: string, options: AccountOption, command: Command) => withDeployment(command, async (deployment) => {
      const account = accountOf(options, deployment);
      const user = await deployment.identities.createUser(account, name);
      if (!user) throw new CommandError(`account ${account} already has a user ${name}`);
      print(`${user.arn}\n`);
    }));
  users.command('ls')
    .description("list the account's identities, the root first")
    .option(...ACCOUNT)
    .option('--json', 'print JSON')
    .action((options: AccountOption & ListOptions, command: Command) => withDeployment(command, async (deployment) => {
      const list = await deployment.identities.listUsers(accountOf(options, deployment));
      if (options.json) return print(json(list.map((u) => ({ UserName: u.name, UserId: u.id, Arn: u.arn, Kind: u.kind, CreatedAt: time(u.createdAt) }))));
      print(table(['NAME', 'KIND', 'ARN', 'CREATED'], list.map((u) => [u.name, u.kind, u.arn, time(u.createdAt)])));
    }));
  users.command('rm <name>')
    .description('delete a user and its access keys')
    .option(...ACCOUNT)
    .action((name: string, options: AccountOption, command: Command) => withDeployment(command, async (deployment) => {
      await deployment.identities.deleteUser(accountOf(options, deployment), name);
    }));
  return users;
}

function keysCommand(): Command {
  const keys = new Command('keys').description('access keys: what the AWS CLI, SDKs and berth login sign with');
  keys.command('create')
    .description('create an access key for the root identity or a user; prints the secret this once')
    .option(...ACCOUNT)
    .option('--user <name>', 'the IAM user (default: the account root)')
    .option('--json', 'print JSON')
    .action((options: AccountOption & ListOptions & { user?: string }, command: Command) => withDeployment(command, async (deployment) => {
      const key = await deployment.identities.createAccessKeyFor(accountOf(options, deployment), options.user);
      if (options.json) {
        return print(json({ AccessKey: { UserName: key.user.name, AccessKeyId: key.accessKeyId, Status: 'Active', SecretAccessKey: key.secretAccessKey } }));
      }
      process.stderr.write(`Created an access key for ${key.user.arn}. The secret is shown only now:\n`);
      print(`AWS_ACCESS_KEY_ID=${key.accessKeyId}\nAWS_SECRET_ACCESS_KEY=${key.secretAccessKey}\n`);
    }));
  keys.command('ls')
    .description("list the account's access keys (of one user with --user); never their secrets")
    .option(...ACCOUNT)
    .option('--user <name>', 'only this user\'s keys ("root" for the root identity\'s)')
    .option('--json', 'print JSON')
    .action((options: AccountOption & ListOptions & { user?: string }, command: Command) => withDeployment(command, async (deployment) => {
      const list = await deployment.identities.listAccessKeys(accountOf(options, deployment), options.user);
      if (options.json) {
        return print(json(list.map((k) => ({
          AccessKeyId: k.accessKeyId, UserName: k.userName, Status: k.status, CreateDate: time(k.createdAt), LastUsedDate: time(k.lastUsedAt),
          LastUsedServiceName: k.lastUsedService ?? 'N/A', LastUsedRegion: k.lastUsedRegion ?? 'N/A',
        }))));
      }
      const usedFor = (k: (typeof list)[number]) => (k.lastUsedService === null ? '-' : `${k.lastUsedService}/${k.lastUsedRegion}`);
      print(table(['ACCESS KEY ID', 'USER', 'STATUS', 'CREATED', 'LAST USED', 'LAST USED FOR'], list.map((k) => [k.accessKeyId, k.userName, k.status, time(k.createdAt), time(k.lastUsedAt), usedFor(k)])));
    }));
  const setStatus = (name: string, status: AccessKeyStatus, description: string) => keys.command(`${name} <key>`)
    .description(description)
    .action((key: string, _options: unknown, command: Command) => withDeployment(command, ({ identities }) => identities.setAccessKeyStatus(key, status)));
  setStatus('deactivate', 'Inactive', 'stop a key (and the registry passwords issued for it) from working');
  setStatus('activate', 'Active', 'let a deactivated key work again');
  keys.command('rm <key>')
    .description('delete a key for good')
    .action((key: string, _options: unknown, command: Command) => withDeployment(command, ({ identities }) => identities.deleteAccessKey(key)));
  return keys;
}

/**
 * Re-seals every secret with a new master key (no blob is re-encrypted). With a key file, the new
 * key waits in `<file>.next` until everything is re-sealed and then replaces the file, so an
 * interrupted run is finished by running it again. With keys.masterKey, the new key is printed.
 */
function rotateMasterKeyCommand(): Command {
  return new Command('rotate-master-key')
    .description('seal every secret and data key with a new master key; then restart every node with it')
    .option('--new-key <key>', 'the new key: 32 bytes, base64 or hex (default: a new random key)')
    .action((options: { newKey?: string }, command: Command) => withDeployment(command, async (deployment) => {
      const { config } = deployment;
      const given = options.newKey === undefined ? undefined : MasterKey.parse(options.newKey);
      if (config.keys.masterKey) {
        const next = given ?? MasterKey.generate();
        const count = await rotateMasterKey(deployment.store, deployment.masterKey, next);
        process.stderr.write(`re-sealed ${JSON.stringify(count)}. Set keys.masterKey (BERTH_KEYS_MASTER_KEY) to this key on every node and restart them:\n`);
        print(`${next.encoded()}\n`);
        return;
      }
      const file = dataPath(config, config.keys.masterKeyFile, 'master.key');
      const pending = `${file}.next`;
      let next: MasterKey;
      if (existsSync(pending)) {
        next = MasterKey.parse(readFileSync(pending, 'utf8'));
        if (given && given.encoded() !== next.encoded()) throw new CommandError(`an interrupted rotation to another key is pending in ${pending}: run without --new-key to finish it`);
      } else {
        next = given ?? MasterKey.generate();
        writeFileSync(pending, `${next.encoded()}\n`, { mode: 0o600, flag: 'wx' });
      }
      const count = await rotateMasterKey(deployment.store, deployment.masterKey, next);
      renameSync(pending, file);
      process.stderr.write(`re-sealed ${JSON.stringify(count)}; the new master key is in ${file}: back it up, give it to every node and restart them\n`);
    }));
}

/** A policy document given inline, or as file://path (as the AWS CLI takes it). */
function documentArgument(value: string): string {
  return value.startsWith('file://') ? readFileSync(value.slice(7), 'utf8') : value;
}

function policiesCommand(): Command {
  const policies = new Command('policies').description("users' identity policies: inline (put-user-policy) and managed (attach-user-policy); a running server sees a change within 5 s");
  const USER = ['--user <name>', 'the IAM user'] as const;
  policies.command('put-user-policy')
    .description("create or replace a user's inline policy")
    .option(...ACCOUNT).requiredOption(...USER)
    .requiredOption('--name <policy-name>', 'the policy name')
    .requiredOption('--document <json>', 'the policy document, or file://path')
    .action((options: AccountOption & { user: string; name: string; document: string }, command: Command) => withDeployment(command, async (deployment) => {
      await deployment.userPolicies.putUserPolicy(accountOf(options, deployment), options.user, options.name, documentArgument(options.document));
    }));
  policies.command('get-user-policy')
    .description("print a user's inline policy")
    .option(...ACCOUNT).requiredOption(...USER)
    .requiredOption('--name <policy-name>', 'the policy name')
    .action((options: AccountOption & { user: string; name: string }, command: Command) => withDeployment(command, async (deployment) => {
      print(`${await deployment.userPolicies.getUserPolicy(accountOf(options, deployment), options.user, options.name)}\n`);
    }));
  policies.command('delete-user-policy')
    .description("delete a user's inline policy")
    .option(...ACCOUNT).requiredOption(...USER)
    .requiredOption('--name <policy-name>', 'the policy name')
    .action((options: AccountOption & { user: string; name: string }, command: Command) => withDeployment(command, async (deployment) => {
      await deployment.userPolicies.deleteUserPolicy(accountOf(options, deployment), options.user, options.name);
    }));
  policies.command('attach-user-policy')
    .description('attach a managed policy, e.g. arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPowerUser')
    .option(...ACCOUNT).requiredOption(...USER)
    .requiredOption('--policy-arn <arn>', 'the policy ARN')
    .action((options: AccountOption & { user: string; policyArn: string }, command: Command) => withDeployment(command, async (deployment) => {
      await deployment.userPolicies.attachUserPolicy(accountOf(options, deployment), options.user, options.policyArn);
    }));
  policies.command('detach-user-policy')
    .description('detach a managed policy')
    .option(...ACCOUNT).requiredOption(...USER)
    .requiredOption('--policy-arn <arn>', 'the policy ARN')
    .action((options: AccountOption & { user: string; policyArn: string }, command: Command) => withDeployment(command, async (deployment) => {
      await deployment.userPolicies.detachUserPolicy(accountOf(options, deployment), options.user, options.policyArn);
    }));
  policies.command('ls')
    .description("list a user's inline and attached policies (without --user: the AWS managed policies)")
    .option(...ACCOUNT).option('--user <name>', 'the IAM user')
    .option('--json', 'print JSON')
    .action((options: AccountOption & ListOptions & { user?: string }, command: Command) => withDeployment(command, async (deployment) => {
      const account = accountOf(options, deployment);
      const rows = options.user === undefined
        ? deployment.userPolicies.awsManagedPolicies().map((p) => ({ PolicyName: p.policyName, Kind: 'aws-managed', PolicyArn: p.policyArn }))
        : [
          ...(await deployment.userPolicies.listUserPolicies(account, options.user)).map((name) => ({ PolicyName: name, Kind: 'inline', PolicyArn: '' })),
          ...(await deployment.userPolicies.listAttachedUserPolicies(account, options.user)).map((p) => ({ PolicyName: p.policyName, Kind: 'attached', PolicyArn: p.policyArn })),
        ];
      if (options.json) return print(json(rows));
      print(table(['NAME', 'KIND', 'ARN'], rows.map((r) => [r.PolicyName, r.Kind, r.PolicyArn])));
    }));
  return policies;
}

export function adminCommand(): Command {
  const admin = withDeploymentOptions(new Command('admin'))
    .description('manage accounts, users, access keys, public registry aliases and user policies in the configured database (no server needed)');
  admin.addCommand(accountsCommand());
  admin.addCommand(usersCommand());
  admin.addCommand(keysCommand());
  admin.addCommand(rotateMasterKeyCommand());
  admin.addCommand(policiesCommand());
  admin.addCommand(aliasesCommand());
  return admin;
}
