// `berth lifecycle`: runs lifecycle policies now, offline on the configured deployment (the same
// --config, --data-dir and BERTH_* settings as serve; no server needs to run), or shows what a
// run would do and what the retention guards keep (--dry-run), which ECR's preview cannot show.
import { Command } from 'commander';
import { offlineLifecycleRunner } from '../app/lifecycle.js';
import type { LifecycleRunResult } from '../registry/lifecycle-runner.js';
import { ACCOUNT, accountOf, type AccountOption, withDeployment } from './admin.js';
import { withDeploymentOptions } from './config-options.js';
import { CommandError } from './errors.js';
import { json, table, time } from './output.js';

interface RunOptions extends AccountOption {
  repository?: string;
  dryRun?: boolean;
  json?: boolean;
}

function rows(results: LifecycleRunResult[], dryRun: boolean): string[][] {
  return results.flatMap((r) => [
    ...(dryRun ? r.actions : r.done).map((a) => [
      r.repository.name,
      a.digest,
      a.tags.join(',') || '<untagged>',
      String(a.rulePriority),
      dryRun ? `would ${a.action.toLowerCase()}` : a.action.toLowerCase() === 'expire' ? 'expired' : 'archived',
      time(a.pushedAt),
    ]),
    ...r.kept.map((k) => [
      r.repository.name,
      k.digest,
      k.tags.join(',') || '<untagged>',
      String(k.rulePriority),
      `kept (${k.reason})`,
      '',
    ]),
  ]);
}

export function lifecycleCommand(): Command {
  const lifecycle = withDeploymentOptions(new Command('lifecycle')).description(
    "run repositories' lifecycle policies in the configured database (no server needed)",
  );
  lifecycle
    .command('run')
    .description('evaluate and carry out lifecycle policies now (every repository with a policy, or one)')
    .option('--repository <name>', 'only this repository')
    .option(...ACCOUNT)
    .option('--dry-run', 'show what would be done and what is kept, and change nothing')
    .option('--json', 'print JSON')
    .action((options: RunOptions, command: Command) =>
      withDeployment(command, async (deployment) => {
        const { store } = deployment;
        const runner = await offlineLifecycleRunner(deployment);
        const dryRun = options.dryRun ?? false;
        let results: LifecycleRunResult[];
        if (options.repository !== undefined) {
          const repository = await store.repositories.get(accountOf(options, deployment), options.repository);
          if (!repository) throw new CommandError(`no repository ${options.repository}`);
          const result = await runner.run(repository, dryRun);
          if (!result) throw new CommandError(`repository ${options.repository} has no lifecycle policy`);
          results = [result];
        } else {
          results = await runner.runAll(dryRun);
        }
        if (options.json) {
          process.stdout.write(
            json(
              results.map((r) => ({
                Repository: r.repository.name,
                Actions: dryRun ? r.actions : r.done,
                Kept: r.kept,
              })),
            ),
          );
          return;
        }
        process.stdout.write(
          table(['REPOSITORY', 'DIGEST', 'TAGS', 'RULE', 'ACTION', 'PUSHED'], rows(results, dryRun)),
        );
      }),
    );
  return lifecycle;
}
