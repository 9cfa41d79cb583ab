// The S3 driver runs the shared driver suite against s3rver on loopback (or the store that
// BERTH_TEST_S3_* names, see testing/s3.ts), listing in pages of 7 keys so paging is exercised;
// teardown also fails if any object is left (a segment the driver hides from list, say) or a
// part buffer is left on local disk.
import { readdir } from 'node:fs/promises';
import { startS3 } from '../testing/s3.js';
import { runDriverSuite } from './driver-suite.js';
import { S3Driver } from './s3-driver.js';

runDriverSuite('s3', async () => {
  const s3 = await startS3();
  return {
    driver: new S3Driver(s3.settings, { pageSize: 7 }),
    async teardown() {
      const left = await s3.keys();
      const buffers = await readdir(s3.settings.bufferDir);
      await s3.close();
      if (left.length > 0) throw new Error(`objects left in the bucket: ${left.join(', ')}`);
      if (buffers.length > 0) throw new Error(`part buffers left on disk: ${buffers.join(', ')}`);
    },
  };
});
