// Runs s3rver (an S3-protocol server on the local file system) in its own process for the tests
// and the benchmark: `node --openssl-legacy-provider s3rver-main.js DIR BUCKET`. It prints
// {"port":N} once listening. The legacy provider is for its ListObjectsV2 continuation tokens,
// which it encrypts with DES (gone from OpenSSL 3's default provider: paging fails without it).
//
// s3rver 3.7.1 writes an object in place and answers before the bytes are on disk; S3 replaces
// an object atomically and reads after a write see it. So that the tests hold Berth to S3's
// guarantees rather than to s3rver's, its store writes each object to a file beside the data
// directory and renames it into place once complete. And its delimited listings leave out the
// common prefix of a directory that holds only directories: they are computed here from a flat
// listing instead (in one page).
import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream, mkdirSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import S3rver from 's3rver';
import FilesystemStore, { type ListOptions, type StoredObject } from 's3rver/lib/stores/filesystem.js';

const [directory, bucket] = process.argv.slice(2);
if (!directory || !bucket) throw new Error('usage: s3rver-main.js DIR BUCKET');
const partials = `${directory}.partials`;
mkdirSync(partials, { recursive: true });

FilesystemStore.prototype.putObject = async function putObject(this: FilesystemStore, object: StoredObject) {
  const target = this.getResourcePath(object.bucket, object.key, 'object');
  await mkdir(dirname(target), { recursive: true });
  const temp = join(partials, randomUUID());
  const md5 = createHash('md5');
  let size = 0;
  const source = Buffer.isBuffer(object.content) ? Readable.from([object.content]) : object.content;
  try {
    await pipeline(
      source,
      new Transform({
        transform(chunk: Buffer, _encoding, callback) {
          md5.update(chunk);
          size += chunk.length;
          callback(null, chunk);
        },
      }),
      createWriteStream(temp),
    );
    await rename(temp, target);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
  const hex = md5.digest('hex');
  await this.putMetadata(object.bucket, object.key, object.metadata, hex);
  return { size, md5: hex };
};

const listObjects = FilesystemStore.prototype.listObjects;
FilesystemStore.prototype.listObjects = async function (this: FilesystemStore, name: string, options: ListOptions) {
  if (!options.delimiter) return listObjects.call(this, name, options);
  const prefix = options.prefix ?? '';
  const flat = await listObjects.call(this, name, { ...options, delimiter: undefined, maxKeys: Infinity });
  const objects = [];
  const commonPrefixes = new Set<string>();
  for (const object of flat.objects) {
    const at = object.key.indexOf(options.delimiter, prefix.length);
    if (at === -1) objects.push(object);
    else commonPrefixes.add(object.key.slice(0, at + options.delimiter.length));
  }
  return { objects, commonPrefixes: [...commonPrefixes].sort(), isTruncated: false };
};

const server = new S3rver({
  address: '127.0.0.1',
  port: 0,
  silent: true,
  directory,
  configureBuckets: [{ name: bucket }],
});
const { port } = await server.run();
process.stdout.write(`${JSON.stringify({ port })}\n`);
process.on('SIGTERM', () => void server.close().finally(() => process.exit(0)));
