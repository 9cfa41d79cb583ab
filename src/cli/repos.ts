// `berth repo create|list|delete` (ls and rm stay as aliases) and `berth images`: everyday repository tasks through the ECR API
// (the same calls `aws ecr …` makes), signed with the caller's access key.
import { Command } from 'commander';
import { callApi } from '../client/authorization.js';
import { connection, type ConnectionOptions, withConnection } from './connection.js';
import { size } from './output.js';

interface ListOptions extends ConnectionOptions {
  json?: boolean;
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows
    .map((r) =>
      r
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

const when = (date: Date | undefined) => (date ? date.toISOString().replace(/\.\d+Z$/, 'Z') : '-');

export function repoCommand(): Command {
  const repo = new Command('repo').description('create, list and delete repositories');
  withConnection(
    repo
      .command('create <name>')
      .description('create a repository')
      .option('--immutable', 'tags cannot be overwritten (imageTagMutability IMMUTABLE)'),
  ).action(async (name: string, options: ConnectionOptions & { immutable?: boolean }) => {
    const created = await callApi(connection(options), (sdk, client) =>
      client.send(
        new sdk.CreateRepositoryCommand({
          repositoryName: name,
          imageTagMutability: options.immutable ? 'IMMUTABLE' : 'MUTABLE',
        }),
      ),
    );
    process.stdout.write(`${created.repository?.repositoryUri ?? name}\n`);
  });
  withConnection(repo.command('list').alias('ls').description('list repositories').option('--json', 'as JSON')).action(
    async (options: ListOptions) => {
      const repositories = await callApi(connection(options), async (sdk, client) => {
        const all = [];
        for (let nextToken: string | undefined; ; ) {
          const page = await client.send(new sdk.DescribeRepositoriesCommand({ ...(nextToken && { nextToken }) }));
          all.push(...(page.repositories ?? []));
          nextToken = page.nextToken;
          if (!nextToken) return all;
        }
      });
      if (options.json) return void process.stdout.write(`${JSON.stringify(repositories, null, 2)}\n`);
      const rows = repositories.map((r) => [
        r.repositoryName ?? '',
        r.imageTagMutability ?? '',
        when(r.createdAt),
        r.repositoryUri ?? '',
      ]);
      process.stdout.write(`${table([['NAME', 'TAGS', 'CREATED', 'URI'], ...rows])}\n`);
    },
  );
  withConnection(
    repo
      .command('delete <name>')
      .alias('rm')
      .description('delete a repository')
      .option('--force', 'also when it holds images'),
  ).action(async (name: string, options: ConnectionOptions & { force?: boolean }) => {
    await callApi(connection(options), (sdk, client) =>
      client.send(new sdk.DeleteRepositoryCommand({ repositoryName: name, force: Boolean(options.force) })),
    );
  });
  return repo;
}

export function imagesCommand(): Command {
  return withConnection(
    new Command('images')
      .argument('<repository>')
      .description("list a repository's images")
      .option('--json', 'as JSON')
      .option('--bytes', 'sizes in bytes (default: KiB, MiB, … for people)'),
  ).action(async (repository: string, options: ListOptions & { bytes?: boolean }) => {
    const images = await callApi(connection(options), async (sdk, client) => {
      const all = [];
      for (let nextToken: string | undefined; ; ) {
        const page = await client.send(
          new sdk.DescribeImagesCommand({ repositoryName: repository, ...(nextToken && { nextToken }) }),
        );
        all.push(...(page.imageDetails ?? []));
        nextToken = page.nextToken;
        if (!nextToken) return all;
      }
    });
    if (options.json) return void process.stdout.write(`${JSON.stringify(images, null, 2)}\n`);
    const rows = images.map((i) => [
      (i.imageTags ?? []).join(',') || '<untagged>',
      i.imageDigest ?? '',
      i.imageSizeInBytes === undefined ? '-' : options.bytes ? String(i.imageSizeInBytes) : size(i.imageSizeInBytes),
      when(i.imagePushedAt),
    ]);
    process.stdout.write(`${table([['TAGS', 'DIGEST', 'SIZE', 'PUSHED'], ...rows])}\n`);
  });
}
