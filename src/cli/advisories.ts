// `berth advisories import <osv zip or dir>`: imports OSV advisories (osv.dev's per-ecosystem
// all.zip, a directory of records, or one record) into the configured database, offline (no
// server needed, the same --config, --data-dir and BERTH_* settings as serve), then evaluates
// every finished scan again against them, from what each scan stored (no layer is read again).
import { existsSync } from 'node:fs';
import { Command } from 'commander';
import { importAdvisories } from '../scanning/advisories.js';
import { withDeployment } from './admin.js';
import { withDeploymentOptions } from './config-options.js';
import { CommandError } from './errors.js';
import { json } from './output.js';

export function advisoriesCommand(): Command {
  const advisories = withDeploymentOptions(new Command('advisories')).description(
    'the vulnerability advisories image scans are matched against (OSV format; no server needed)',
  );
  advisories
    .command('import')
    .description('import OSV advisories (Debian, Alpine, npm, PyPI, Go, Maven) and evaluate finished scans again')
    .argument('<source>', "an OSV zip (such as osv.dev's <ecosystem>/all.zip), a directory of them or of .json records")
    .option('--json', 'print JSON')
    .action((source: string, options: { json?: boolean }, command: Command) => {
      if (!existsSync(source)) throw new CommandError(`no such file or directory: ${source}`);
      return withDeployment(command, async (deployment) => {
        const report = await importAdvisories(deployment.store, source);
        if (options.json) {
          process.stdout.write(json(report));
          return;
        }
        process.stdout.write(
          `imported ${report.records} advisories (${report.rows} package entries) from ${report.files} files` +
            `${report.ignored > 0 ? `, ${report.ignored} ignored (not OSV, or no ecosystem Berth scans)` : ''}; ` +
            `evaluated ${report.reevaluated} scans again\n`,
        );
      });
    });
  return advisories;
}
