// Real client tools the tests drive. A missing tool skips its tests on a developer machine
// (saying why) and fails them in CI (CI=true), where .ci/run must have installed it.
import { execFileSync } from 'node:child_process';
import type { TestContext } from 'node:test';

export function hasTool(name: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Returns true when the tool can be used; otherwise skips the test, or throws under CI. */
export function requireTool(t: TestContext, name: string, install: string): boolean {
  if (hasTool(name)) return true;
  if (process.env.CI === 'true') throw new Error(`${name} is required in CI but is not installed (${install})`);
  t.skip(`${name} is not installed (${install})`);
  return false;
}

/** The AWS CLI v2 as Debian installs it (an `aws` earlier on PATH may be another version). */
export const AWS_CLI = '/usr/bin/aws';

/** Returns true when the AWS CLI v2 can be used; otherwise skips the test, or throws under CI. */
export function requireAwsCli(t: TestContext): boolean {
  if (!requireTool(t, AWS_CLI, 'apt-get install -y awscli')) return false;
  const version = execFileSync(AWS_CLI, ['--version'], { encoding: 'utf8' });
  if (/^aws-cli\/2\./.test(version)) return true;
  if (process.env.CI === 'true') throw new Error(`${AWS_CLI} is not the AWS CLI v2: ${version}`);
  t.skip(`${AWS_CLI} is not the AWS CLI v2 (${version.trim()})`);
  return false;
}
