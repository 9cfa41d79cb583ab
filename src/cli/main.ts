#!/usr/bin/env -S node --max-semi-space-size=4
// The `berth` command: serve the registry, administer identities, log in, check a configuration.
// The first line is how the command runs: a small young generation (the server's young objects
// are small; request and blob bytes live outside the heap), which keeps resident memory down.
// Tools that start this file with `node` themselves read the flags from it (node-flags.ts).
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { environmentVariables, loadConfig } from '../config/load.js';
import { redactConfig } from '../config/redact.js';
import { adminCommand } from './admin.js';
import { lifecycleCommand } from './lifecycle.js';
import { replicationCommand } from './replication.js';
import { advisoriesCommand } from './advisories.js';
import { bundleCommand } from './bundle.js';
import { reportError } from './errors.js';
import { gcCommand } from './gc.js';
import { loginCommand } from './login.js';
import { protectCommand } from './protect.js';
import { imagesCommand, repoCommand } from './repos.js';
import { serveCommand } from './serve.js';
import { signingCommand } from './signing.js';
import { trashCommand } from './trash.js';
import { eventsCommand } from './events.js';
import { usageCommand } from './usage.js';

const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

const program = new Command('berth')
  .description('A self-hosted container registry that does what Amazon ECR does')
  .version(version, '-V, --version', 'print the version of berth');

program.addCommand(serveCommand());

const configCommand = program.command('config').description('work with configuration files');
configCommand
  .command('verify <file>')
  .description(
    'validate a configuration file (with the BERTH_* environment applied) and print the result, secrets redacted',
  )
  .action((file: string) => {
    const config = loadConfig({ file });
    process.stdout.write(`${file}: valid\n${JSON.stringify(redactConfig(config), null, 2)}\n`);
  });
configCommand
  .command('env')
  .description('list the BERTH_* environment variables that set each setting')
  .action(() => {
    process.stdout.write(`${environmentVariables().join('\n')}\n`);
  });

program.addCommand(adminCommand());
program.addCommand(lifecycleCommand());
program.addCommand(replicationCommand());
program.addCommand(advisoriesCommand());
program.addCommand(gcCommand());
program.addCommand(loginCommand());
program.addCommand(repoCommand());
program.addCommand(imagesCommand());
program.addCommand(protectCommand());
program.addCommand(trashCommand());
program.addCommand(eventsCommand());
program.addCommand(bundleCommand());
program.addCommand(usageCommand());
program.addCommand(signingCommand());

program.parseAsync().catch(reportError);
