// `berth replication backfill`: enqueues the replication of images pushed before the rules that
// cover them existed, offline on the configured deployment (the same --config, --data-dir and
// BERTH_* settings as serve); the replication workers of the running nodes copy them.
import { Command } from 'commander';
import { backfillReplication } from '../registry/replication-backfill.js';
import { ACCOUNT, accountOf, type AccountOption, withDeployment } from './admin.js';
import { withDeploymentOptions } from './config-options.js';
import { CommandError } from './errors.js';
import { json } from './output.js';

interface BackfillOptions extends AccountOption {
  rule?: string;
  repository?: string;
  json?: boolean;
}

export function replicationCommand(): Command {
  const replication = withDeploymentOptions(new Command('replication')).description(
    'replication to other regions and accounts, in the configured database (no server needed)',
  );
  replication
    .command('backfill')
    .description('replicate the tagged images that existed before the replication rules that cover them')
    .option('--rule <n>', 'only the n-th rule of the replication configuration (from 1)')
    .option('--repository <name>', 'only this repository')
    .option(...ACCOUNT)
    .option('--json', 'print JSON')
    .action((options: BackfillOptions, command: Command) =>
      withDeployment(command, async (deployment) => {
        const rule = options.rule === undefined ? undefined : Number(options.rule);
        if (rule !== undefined && !(Number.isInteger(rule) && rule >= 1))
          throw new CommandError(`--rule must be a rule number from 1, not ${options.rule}`);
        const result = await backfillReplication(deployment.store, accountOf(options, deployment), {
          ...(rule !== undefined && { rule }),
          ...(options.repository !== undefined && { repository: options.repository }),
          tagFilters: deployment.config.replication.tagFilters,
        });
        if (options.json) {
          process.stdout.write(json(result));
          return;
        }
        process.stdout.write(
          `enqueued ${result.tasks} replication(s) of ${result.images} image(s) in ${result.repositories} repository(ies); the replication workers of the running nodes copy them\n`,
        );
      }),
    );
  return replication;
}
