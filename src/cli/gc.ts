// `berth gc`: garbage collection run by hand, on the deployment the options name (the same
// --config, --data-dir and BERTH_* settings as serve), online: a server may serve meanwhile (the
// protocol in registry/gc.ts makes that safe). `--dry-run` lists what would be freed; `--audit`
// compares storage with the index and reports stored objects nothing indexes, older than the
// grace period (`--fix` deletes them). Progress goes to standard error (a bar on a terminal), the
// listing and summary to standard output.
import { Command } from 'commander';
import { openDeployment } from '../app/deployment.js';
import { wireGc } from '../app/gc.js';
import { openStorage } from '../app/storage.js';
import { GC_KINDS, type GcReport } from '../registry/gc.js';
import { configFromOptions, type DeploymentOptions, withDeploymentOptions } from './config-options.js';
import { CommandError } from './errors.js';
import { json, size, table } from './output.js';
import { progress } from './progress.js';

interface GcOptions {
  dryRun?: boolean;
  audit?: boolean;
  fix?: boolean;
  json?: boolean;
}

const PHASES = ['untagged manifests', 'blobs', 'manifest bytes'];

const print = (text: string): void => {
  process.stdout.write(text);
};

export function gcCommand(): Command {
  return withDeploymentOptions(new Command('gc'))
    .description('free blobs and manifest bytes nothing references (a server may keep serving meanwhile)')
    .option('--dry-run', 'list what would be freed, and free nothing')
    .option('--audit', 'report stored objects the index does not know, older than the grace period')
    .option('--fix', 'with --audit: delete them')
    .option('--json', 'print the summary as JSON')
    .action(async (options: GcOptions, command: Command) => {
      if (options.fix && !options.audit) throw new CommandError('--fix goes with --audit');
      if (options.audit && options.dryRun)
        throw new CommandError('--dry-run does not go with --audit (an audit only reports, unless --fix)');
      const config = configFromOptions(command.optsWithGlobals<DeploymentOptions>());
      const deployment = await openDeployment(config, { create: false });
      try {
        const gc = wireGc(config, deployment.store, await openStorage(config));
        if (options.audit) {
          const report = await gc.audit.run({
            fix: options.fix ?? false,
            onFinding: (f) => {
              if (!options.json) print(`${f.kind}\t${f.path}\t${f.bytes}\n`);
            },
          });
          if (options.json) return print(json(report));
          print(
            `audit: ${report.examined} stored blob files, ${report.orphans} not indexed (${size(report.bytes)})` +
              `${options.fix ? `, ${report.fixed} deleted` : report.orphans > 0 ? '; --fix deletes them' : ''}\n`,
          );
          return;
        }
        const bar = progress(options.dryRun ? 'gc (dry run)' : 'gc', PHASES.length);
        let report: GcReport;
        try {
          report = await gc.collector.collect({
            dryRun: options.dryRun ?? false,
            onItem: (item) => {
              if (options.dryRun && !options.json) print(`${item.kind}\t${item.id}\t${item.bytes}\n`);
            },
            onProgress: (phase, examined) => {
              const index = Math.max(0, PHASES.indexOf(phase));
              bar.update(index, phase, `${examined} examined`, false);
            },
          });
        } finally {
          bar.end();
        }
        if (options.json) return print(json(report));
        print(
          table(
            ['KIND', options.dryRun ? 'WOULD FREE' : 'FREED', 'BYTES'],
            GC_KINDS.map((kind) => [kind, String(report.summary[kind].objects), size(report.summary[kind].bytes)]),
          ),
        );
      } finally {
        await deployment.close();
      }
    });
}
