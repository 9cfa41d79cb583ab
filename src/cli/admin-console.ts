// `berth admin console-password`: sets an account root's console password (read from standard
// input, so it appears in no process list or shell history), as the console's sign-in asks for it.
import { Command } from 'commander';
import { setRootConsolePassword } from '../app/console-password.js';
import { ACCOUNT, accountOf, withDeployment, type AccountOption } from './admin.js';
import { CommandError } from './errors.js';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? '';
}

export function consolePasswordCommand(): Command {
  return new Command('console-password')
    .description("set the account root's console password, read from standard input (the sign-in at /console/)")
    .option(...ACCOUNT)
    .action((options: AccountOption, command: Command) =>
      withDeployment(command, async (deployment) => {
        const password = await readStdin();
        if (!password) throw new CommandError('give the password on standard input');
        try {
          await setRootConsolePassword(deployment, accountOf(options, deployment), password);
        } catch (err) {
          throw new CommandError((err as Error).message);
        }
        process.stderr.write(`set the console password of account ${accountOf(options, deployment)}'s root\n`);
      }),
    );
}
