// Runs the compiled commands (berth, docker-credential-berth) and other programs (the AWS CLI) as a
// user would, in an environment without the BERTH_* and AWS_* settings of whoever runs the tests.
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CREDENTIAL_HELPER = resolve(fileURLToPath(new URL('../cli/credential-helper.js', import.meta.url)));

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The environment without any BERTH_* or AWS_* variable, and with no AWS profile to find. */
export function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !key.startsWith('BERTH_') && !key.startsWith('AWS_')),
  );
  return {
    ...env,
    AWS_CONFIG_FILE: '/nonexistent/aws-config',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials',
    AWS_EC2_METADATA_DISABLED: 'true',
    ...extra,
  };
}

/** Runs a program with `args` (and `input` on stdin) in a clean environment plus `env`; resolves with its exit code and output. */
export function runProgram(
  file: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
  input?: string,
): Promise<CliResult> {
  return new Promise((resolveRun) => {
    const child = execFile(file, args, { env: cleanEnv(env), timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolveRun({ code, stdout, stderr });
    });
    // A program may exit without reading its input: its exit status says how it went.
    child.stdin?.on('error', () => {});
    child.stdin?.end(input);
  });
}

/** Runs a compiled script of Berth with `args` (and `input` on stdin). */
export function runScript(
  script: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
  input?: string,
): Promise<CliResult> {
  return runProgram(process.execPath, [script, ...args], env, input);
}
