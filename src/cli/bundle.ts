// `berth bundle export|import`: air-gapped copies. Export writes a repository's images (every
// tag, or the ones named), with every referrer, as an OCI image layout in a tar stream; import
// loads such a stream into another deployment, checking every digest.
//
// Both talk to a running Berth over the registry protocol (/v2), with the caller's registry
// password from GetAuthorizationToken (as `berth login`), rather than opening a deployment's
// data directory offline as `berth admin` does: so they work against any deployment, local or
// remote, from any machine (the protocol is the standard one), they are authorized like every other
// pull and push (a bundle holds nothing its exporter may not pull, and lands nothing its
// importer may not push), the receiving deployment checks and encrypts what it stores as it
// always does, and both stream (a blob is piped from one socket to the tar, or from the tar
// to one upload), so a bundle of any size needs flat memory and no scratch space.
import { createReadStream, createWriteStream, readFileSync, renameSync, rmSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { Command } from 'commander';
import { fetchAuthorization, LoginError } from '../client/authorization.js';
import { BundleError, exportBundle } from '../client/bundle-export.js';
import { BundleImporter } from '../client/bundle-import.js';
import { RegistryClient, RegistryProblem } from '../client/registry.js';
import { isRepositoryName } from '../domain/names.js';
import { connection, type ConnectionOptions, withConnection } from './connection.js';
import { CommandError } from './errors.js';
import { size } from './output.js';

/** A registry client logged in with the caller's key; anonymous when there is no key at all. */
async function registryClient(options: ConnectionOptions): Promise<RegistryClient> {
  const settings = connection(options);
  const caBundle = options.caBundle || process.env.AWS_CA_BUNDLE;
  const ca = caBundle ? [...rootCertificates, readFileSync(caBundle)] : undefined;
  try {
    const authorization = await fetchAuthorization(settings);
    const token = Buffer.from(`${authorization.username}:${authorization.password}`).toString('base64');
    return new RegistryClient({ registry: settings.endpoint, authorization: `Basic ${token}`, ...(ca && { ca }) });
  } catch (err) {
    if (!(err instanceof LoginError && err.noCredentials)) throw err;
    return new RegistryClient({ registry: settings.endpoint, ...(ca && { ca }) });
  }
}

/** Runs a bundle command, its failures said as one line (exit status 1). */
async function reporting<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof BundleError || err instanceof RegistryProblem) throw new CommandError(err.message);
    throw err;
  }
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function bundleCommand(): Command {
  const bundle = new Command('bundle').description(
    'move images to a network with no connection: export a repository as an OCI image layout (tar), import it elsewhere',
  );
  withConnection(
    bundle
      .command('export')
      .description('write a repository (its tags, with every referrer) as an OCI image layout tar, to stdout')
      .requiredOption('--repository <name>', 'the repository to export')
      .option('--tag <tag>', 'a tag to export (repeat for more; default: every tag)', collect)
      .option('--output <file>', 'write to this file instead of standard output'),
    true,
  ).action(async (options: ConnectionOptions & { repository: string; tag?: string[]; output?: string }) => {
    if (!isRepositoryName(options.repository))
      throw new CommandError(`--repository ${options.repository}: not a repository name`);
    if (!options.output && process.stdout.isTTY)
      throw new CommandError('the bundle is binary: redirect standard output to a file, or give --output FILE');
    const client = await registryClient(options);
    // A file is written beside its name and renamed when whole: a failed export leaves no half bundle.
    const partial = options.output && `${options.output}.partial`;
    const out: Writable = partial ? createWriteStream(partial) : process.stdout;
    try {
      const summary = await reporting(() => exportBundle(client, options.repository, options.tag, out));
      if (partial && options.output) {
        out.end();
        await once(out, 'finish');
        renameSync(partial, options.output);
      }
      process.stderr.write(
        `exported ${options.repository}: ${summary.tags} tag(s), ${summary.manifests} manifest(s) of which ${summary.referrers} referrer(s), ${summary.blobs} blob(s), ${size(summary.bytes)}\n`,
      );
    } finally {
      client.close();
      if (partial) rmSync(partial, { force: true });
    }
  });
  withConnection(
    bundle
      .command('import')
      .argument('[file]', 'the bundle (default: standard input)')
      .description('load a bundle (an OCI image layout tar) into a repository, checking every digest')
      .option('--repository <name>', 'the repository to load into (default: the one the bundle was exported from)'),
    true,
  ).action(async (file: string | undefined, options: ConnectionOptions & { repository?: string }) => {
    if (options.repository !== undefined && !isRepositoryName(options.repository))
      throw new CommandError(`--repository ${options.repository}: not a repository name`);
    const client = await registryClient(options);
    try {
      const input = file && file !== '-' ? createReadStream(file) : process.stdin;
      const summary = await reporting(() => new BundleImporter(client, options.repository).run(input));
      process.stderr.write(
        `imported into ${summary.repository}: ${summary.tags.length} tag(s) (${summary.tags.join(', ')}), ${summary.manifests} manifest(s) pushed, ${summary.blobsPushed} blob(s) pushed (${size(summary.bytes)}), ${summary.blobsPresent} already there\n`,
      );
    } finally {
      client.close();
    }
  });
  return bundle;
}
