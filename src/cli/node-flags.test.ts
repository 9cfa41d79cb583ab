// The command's flags come from its first line, and the file runs as a command with them.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { cliNodeFlags } from './node-flags.js';

const CLI = fileURLToPath(new URL('./main.js', import.meta.url));

it('reads the flags of the command from its first line', () => {
  assert.deepEqual(cliNodeFlags(CLI), ['--max-semi-space-size=4']);
});

it('runs as a command through its first line, with those flags', () => {
  const script = 'process.stdout.write(JSON.stringify(process.execArgv))';
  // Help output shows the interpreter line works; the flags are checked on node itself.
  assert.match(execFileSync(CLI, ['--help'], { encoding: 'utf8' }), /serve/);
  assert.deepEqual(
    JSON.parse(execFileSync(process.execPath, [...cliNodeFlags(CLI), '-e', script], { encoding: 'utf8' })).slice(0, -2),
    ['--max-semi-space-size=4'],
  );
});
