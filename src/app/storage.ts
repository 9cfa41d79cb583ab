// The blob storage a deployment serves from, as the configuration names it.
import { mkdir } from 'node:fs/promises';
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import type { StorageDriver } from '../storage/driver.js';
import { FsDriver } from '../storage/fs-driver.js';
import { inspectVolume, volumeDecision } from '../storage/volume-check.js';
import { dataPath } from './deployment.js';
import { DeploymentError } from './deployment-error.js';

/**
 * The storage driver the configuration names: a directory (the embedded default) or an S3 bucket.
 * The S3 driver is loaded only when configured: the AWS SDK's S3 client adds ~20 MiB to every
 * process that loads it.
 */
export async function openStorage(config: Config, log?: Logger): Promise<StorageDriver> {
  if (config.storage.driver === 'filesystem') {
    const { root, encryptedVolume, forceEncryptedVolume } = config.storage.filesystem;
    const directory = dataPath(config, root, 'storage');
    if (encryptedVolume) {
      await mkdir(directory, { recursive: true });
      const decision = volumeDecision(directory, await inspectVolume(directory), forceEncryptedVolume);
      if (!decision.start) throw new DeploymentError(decision.message);
      log?.[decision.level](decision.message);
    }
    return new FsDriver(directory, {
      archiveRoot: dataPath(config, config.storage.filesystem.archivePath, 'archive'),
      encryptedVolume,
    });
  }
  const s3 = config.storage.s3;
  const { S3Driver } = await import('../storage/s3-driver.js');
  return new S3Driver({
    endpoint: s3.endpoint,
    region: s3.region,
    bucket: s3.bucket,
    prefix: s3.prefix,
    forcePathStyle: s3.forcePathStyle,
    accessKeyId: s3.accessKeyId,
    secretAccessKey: s3.secretAccessKey,
    sessionToken: s3.sessionToken,
    serverSideEncryption: s3.serverSideEncryption,
    kmsKeyId: s3.kmsKeyId,
    partSize: s3.partSize,
    bufferDir: dataPath(config, s3.bufferDir, 's3-buffers'),
    archiveStorageClass: s3.archiveStorageClass,
  });
}
