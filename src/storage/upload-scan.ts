// The upload area's leftovers: uploads whose files nobody wrote for a while (what garbage
// collection and upload expiry sweep), found by walking the area.
import { PathNotFoundError, type StorageDriver } from './driver.js';
import { UPLOADS_ROOT } from './layout.js';

/** Uploads with bytes stored, none of whose files was written since `before`, with the bytes they take. */
export async function untouchedUploads(
  driver: StorageDriver,
  before: number,
): Promise<{ id: string; bytes: number }[]> {
  let dirs: string[];
  try {
    dirs = await driver.list(UPLOADS_ROOT);
  } catch (err) {
    if (err instanceof PathNotFoundError) return [];
    throw err;
  }
  const found: { id: string; bytes: number }[] = [];
  for (const dir of dirs) {
    let newest = 0;
    let bytes = 0;
    try {
      await driver.walk(dir, (info) => {
        if (info.isDir) return;
        newest = Math.max(newest, info.modTime.getTime());
        bytes += info.size;
      });
    } catch (err) {
      if (err instanceof PathNotFoundError) continue;
      throw err;
    }
    if (newest < before) found.push({ id: dir.slice(dir.lastIndexOf('/') + 1), bytes });
  }
  return found;
}
