// The file-system driver runs the shared driver suite on a temporary directory (a root and an archive root); teardown also
// fails if any file is left on disk (a temporary file the driver hides from list, say).
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { tempDir } from '../testing/server.js';
import { runDriverSuite } from './driver-suite.js';
import { FsDriver } from './fs-driver.js';

runDriverSuite('filesystem', async () => {
  const root = tempDir('berth-fs-driver-');
  return {
    // Archived files go to a second root beside the first (a slower disk, in a deployment).
    driver: new FsDriver(join(root, 'storage'), { archiveRoot: join(root, 'archive') }),
    async teardown() {
      const left = (await readdir(root, { recursive: true, withFileTypes: true })).filter((e) => !e.isDirectory());
      await rm(root, { recursive: true, force: true });
      if (left.length > 0)
        throw new Error(
          `files left on disk: ${left.map((e) => `${e.parentPath}/${e.name}`.slice(root.length)).join(', ')}`,
        );
    },
  };
});
