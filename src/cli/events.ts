// `berth events dead-letters list|replay`: the event deliveries given up after events.maxRetryHours
// of retries, listed and put back to be sent again, offline in the configured database (the same
// --config, --data-dir and BERTH_* settings as serve); a running server's workers send the replayed ones.
import { Command } from 'commander';
import type { EcrEvent } from '../domain/events.js';
import { ACCOUNT, type AccountOption, withDeployment } from './admin.js';
import { withDeploymentOptions } from './config-options.js';
import { json, table, time } from './output.js';

const print = (text: string): void => {
  process.stdout.write(text);
};

export function eventsCommand(): Command {
  const events = withDeploymentOptions(new Command('events')).description(
    'event deliveries to webhooks (no server needed)',
  );
  const dead = events.command('dead-letters').description('deliveries given up after events.maxRetryHours');
  dead
    .command('list')
    .alias('ls')
    .description('list the dead letters, oldest first (of every account unless --account)')
    .option('--account <id>', 'only this account')
    .option('--json', 'print JSON')
    .action((options: { account?: string; json?: boolean }, command: Command) =>
      withDeployment(command, async (deployment) => {
        const list = await deployment.store.events.deliveries('DEAD', options.account);
        const rows = list.map((d) => {
          const event = JSON.parse(d.event) as EcrEvent;
          return {
            Id: d.id,
            EventId: d.eventId,
            Account: d.accountId,
            Rule: d.ruleName,
            Target: d.targetId,
            DetailType: event['detail-type'],
            Attempts: d.attempts,
            LastError: d.lastError,
            CreatedAt: time(d.createdAt),
            GivenUpAt: time(d.updatedAt),
          };
        });
        if (options.json) return print(json(rows));
        print(
          table(
            ['ID', 'ACCOUNT', 'RULE/TARGET', 'EVENT', 'ATTEMPTS', 'GIVEN UP', 'LAST ERROR'],
            rows.map((r) => [
              r.Id,
              r.Account,
              `${r.Rule}/${r.Target}`,
              r.DetailType,
              String(r.Attempts),
              r.GivenUpAt,
              r.LastError ?? '-',
            ]),
          ),
        );
      }),
    );
  dead
    .command('replay [ids...]')
    .description('send dead letters again (these, or all of them, or all of one account), with a new retry window')
    .option(...ACCOUNT)
    .action((ids: string[], options: AccountOption, command: Command) =>
      withDeployment(command, async (deployment) => {
        const count = await deployment.store.events.replay(
          Date.now(),
          options.account,
          ids.length > 0 ? ids : undefined,
        );
        print(`${count} dead letter(s) put back to be sent\n`);
      }),
    );
  return events;
}
