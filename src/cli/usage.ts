// `berth usage`: storage and transfer out per repository or per day, with estimated costs, read
// from the configured database (the same --config, --data-dir and BERTH_* settings as serve; a
// server may run meanwhile). `--repository` shows one repository's view instead; `--sample`
// takes a storage sample first (the server's job takes one every metering.sampleMinutes).
import { Command } from 'commander';
import { openDeployment } from '../app/deployment.js';
import { privateRegistry, publicRegistry } from '../domain/registry.js';
import { StorageSampler } from '../metering/storage-sampler.js';
import { usageCsv, usageTable } from '../metering/usage-format.js';
import { monthStart, parseUsageTime, UsageService } from '../metering/usage.js';
import { configFromOptions, type DeploymentOptions, withDeploymentOptions } from './config-options.js';
import { CommandError } from './errors.js';
import { json } from './output.js';

interface UsageOptions {
  account?: string;
  from?: string;
  to?: string;
  by: string;
  format: string;
  repository?: string;
  public?: boolean;
  sample?: boolean;
}

const print = (text: string): void => {
  process.stdout.write(text);
};

function time(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const at = parseUsageTime(value);
  if (at === undefined) throw new CommandError(`${name} must be an ISO 8601 date or time, or epoch milliseconds`);
  return at;
}

export function usageCommand(): Command {
  return withDeploymentOptions(new Command('usage'))
    .description('storage (GB-months) and transfer out per repository or day, with estimated costs')
    .option('--account <id>', 'one account (default: every account)')
    .option('--from <time>', 'start, ISO 8601 or epoch ms (default: the start of this month, UTC)')
    .option('--to <time>', 'end, exclusive (default: now)')
    .option('--by <grouping>', 'repository or day', 'repository')
    .option('--format <format>', 'table, csv or json', 'table')
    .option('--repository <name>', "one repository's view: physical and shared bytes, growth, counts, top pullers")
    .option('--public', 'with --repository: the public repository of that name')
    .option('--sample', 'take a storage sample first')
    .action(async (options: UsageOptions, command: Command) => {
      if (options.by !== 'repository' && options.by !== 'day') throw new CommandError('--by must be repository or day');
      if (!['table', 'csv', 'json'].includes(options.format))
        throw new CommandError('--format must be table, csv or json');
      if (options.account !== undefined && !/^\d{12}$/.test(options.account))
        throw new CommandError('--account must be a 12-digit account id');
      const config = configFromOptions(command.optsWithGlobals<DeploymentOptions>());
      const deployment = await openDeployment(config, { create: false });
      try {
        const { store } = deployment;
        const sampledAt = Date.now();
        if (options.sample) await new StorageSampler(store).sample(sampledAt);
        // After the sample: a range that ends now includes it.
        const now = Math.max(Date.now(), sampledAt + 1);
        const from = time(options.from, '--from', monthStart(now));
        const to = time(options.to, '--to', now);
        if (to <= from) throw new CommandError('--to must be after --from');
        const usage = new UsageService(store, config.metering);
        if (options.repository !== undefined) {
          const account = options.account ?? deployment.accountId;
          const registry = options.public ? publicRegistry(account) : privateRegistry(account);
          const view = await usage.repository(registry, options.repository, now);
          if (!view) throw new CommandError(`no repository ${options.repository} in account ${account}`);
          return print(json(view));
        }
        const report = await usage.report(
          { ...(options.account !== undefined && { accountId: options.account }), from, to, by: options.by },
          now,
        );
        if (options.format === 'json')
          return print(json({ ...report, from: new Date(from).toISOString(), to: new Date(to).toISOString() }));
        print(options.format === 'csv' ? usageCsv(report) : usageTable(report));
      } finally {
        await deployment.close();
      }
    });
}
