// `berth admin storage-moves`: the moves of archived and restored images' layers between storage
// classes still queued, with their progress (blobs and bytes moved) and the node holding each.
import { Command } from 'commander';
import { withDeployment, type ListOptions } from './admin.js';
import { json, size, table, time } from './output.js';

const print = (text: string): void => {
  process.stdout.write(text);
};

const LIMIT = 1000;

export function storageMovesCommand(): Command {
  const moves = new Command('storage-moves').description(
    "images' layers moving between storage classes (archive, restore): queued moves and their progress",
  );
  moves
    .command('list', { isDefault: true })
    .alias('ls')
    .description('list the queued moves, oldest first')
    .option('--json', 'print JSON')
    .action((options: ListOptions, command: Command) =>
      withDeployment(command, async ({ store }) => {
        const queued = await store.archive.list(LIMIT);
        const names = new Map<string, string>();
        for (const move of queued) {
          if (names.has(move.repositoryId)) continue;
          const repository = await store.repositories.getById(move.repositoryId);
          names.set(move.repositoryId, repository ? `${repository.accountId}/${repository.name}` : move.repositoryId);
        }
        const rows = queued.map((m) => ({
          Repository: names.get(m.repositoryId)!,
          ImageDigest: m.digest,
          TargetStorageClass: m.target,
          BlobsMoved: m.blobsDone,
          Blobs: m.blobsTotal,
          BytesMoved: m.bytesDone,
          Bytes: m.bytesTotal,
          Node: m.leaseHolder,
          LeaseUntil: m.leaseUntil === null ? null : time(m.leaseUntil),
          RequestedAt: time(m.requestedAt),
        }));
        if (options.json) return print(json(rows));
        print(
          table(
            ['REPOSITORY', 'IMAGE', 'TARGET', 'BLOBS', 'BYTES', 'NODE', 'REQUESTED'],
            rows.map((r) => [
              r.Repository,
              r.ImageDigest,
              r.TargetStorageClass,
              `${r.BlobsMoved}/${r.Blobs}`,
              `${size(r.BytesMoved)}/${size(r.Bytes)}`,
              r.Node ?? '',
              r.RequestedAt,
            ]),
          ),
        );
      }),
    );
  return moves;
}
