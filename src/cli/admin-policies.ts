// `berth admin policies`: users' identity policies, changed offline in the configured database.
// Subcommands are named as the other admin commands are (list, get, put, delete, attach, detach);
// the AWS CLI's names (put-user-policy, …) and ls stay as aliases.
import { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { ACCOUNT, accountOf, withDeployment, type AccountOption, type ListOptions } from './admin.js';
import { json, table } from './output.js';

const print = (text: string): void => {
  process.stdout.write(text);
};

/** A policy document given inline, or as file://path (as the AWS CLI takes it). */
function documentArgument(value: string): string {
  return value.startsWith('file://') ? readFileSync(value.slice(7), 'utf8') : value;
}

export function policiesCommand(): Command {
  const policies = new Command('policies').description(
    "users' identity policies: inline (put) and managed (attach); a running server sees a change within 5 s",
  );
  const USER = ['--user <name>', 'the IAM user'] as const;
  policies
    .command('put')
    .alias('put-user-policy')
    .description("create or replace a user's inline policy")
    .option(...ACCOUNT)
    .requiredOption(...USER)
    .requiredOption('--name <policy-name>', 'the policy name')
    .requiredOption('--document <json>', 'the policy document, or file://path')
    .action((options: AccountOption & { user: string; name: string; document: string }, command: Command) =>
      withDeployment(command, async (deployment) => {
        await deployment.userPolicies.putUserPolicy(
          accountOf(options, deployment),
          options.user,
          options.name,
          documentArgument(options.document),
        );
      }),
    );
  policies
    .command('get')
    .alias('get-user-policy')
    .description("print a user's inline policy")
    .option(...ACCOUNT)
    .requiredOption(...USER)
    .requiredOption('--name <policy-name>', 'the policy name')
    .action((options: AccountOption & { user: string; name: string }, command: Command) =>
      withDeployment(command, async (deployment) => {
        print(
          `${await deployment.userPolicies.getUserPolicy(accountOf(options, deployment), options.user, options.name)}\n`,
        );
      }),
    );
  policies
    .command('delete')
    .alias('delete-user-policy')
    .description("delete a user's inline policy")
    .option(...ACCOUNT)
    .requiredOption(...USER)
    .requiredOption('--name <policy-name>', 'the policy name')
    .action((options: AccountOption & { user: string; name: string }, command: Command) =>
      withDeployment(command, async (deployment) => {
        await deployment.userPolicies.deleteUserPolicy(accountOf(options, deployment), options.user, options.name);
      }),
    );
  policies
    .command('attach')
    .alias('attach-user-policy')
    .description('attach a managed policy, e.g. arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPowerUser')
    .option(...ACCOUNT)
    .requiredOption(...USER)
    .requiredOption('--policy-arn <arn>', 'the policy ARN')
    .action((options: AccountOption & { user: string; policyArn: string }, command: Command) =>
      withDeployment(command, async (deployment) => {
        await deployment.userPolicies.attachUserPolicy(accountOf(options, deployment), options.user, options.policyArn);
      }),
    );
  policies
    .command('detach')
    .alias('detach-user-policy')
    .description('detach a managed policy')
    .option(...ACCOUNT)
    .requiredOption(...USER)
    .requiredOption('--policy-arn <arn>', 'the policy ARN')
    .action((options: AccountOption & { user: string; policyArn: string }, command: Command) =>
      withDeployment(command, async (deployment) => {
        await deployment.userPolicies.detachUserPolicy(accountOf(options, deployment), options.user, options.policyArn);
      }),
    );
  policies
    .command('list')
    .alias('ls')
    .description("list a user's inline and attached policies (without --user: the AWS managed policies)")
    .option(...ACCOUNT)
    .option('--user <name>', 'the IAM user')
    .option('--json', 'print JSON')
    .action((options: AccountOption & ListOptions & { user?: string }, command: Command) =>
      withDeployment(command, async (deployment) => {
        const account = accountOf(options, deployment);
        const rows =
          options.user === undefined
            ? deployment.userPolicies
                .awsManagedPolicies()
                .map((p) => ({ PolicyName: p.policyName, Kind: 'aws-managed', PolicyArn: p.policyArn }))
            : [
                ...(await deployment.userPolicies.listUserPolicies(account, options.user)).map((name) => ({
                  PolicyName: name,
                  Kind: 'inline',
                  PolicyArn: '',
                })),
                ...(await deployment.userPolicies.listAttachedUserPolicies(account, options.user)).map((p) => ({
                  PolicyName: p.policyName,
                  Kind: 'attached',
                  PolicyArn: p.policyArn,
                })),
              ];
        if (options.json) return print(json(rows));
        print(
          table(
            ['NAME', 'KIND', 'ARN'],
            rows.map((r) => [r.PolicyName, r.Kind, r.PolicyArn]),
          ),
        );
      }),
    );
  return policies;
}
