// The records of the upload index (metadata/store-uploads.ts): upload sessions.
import type { WrappedKey } from './blob-keys.js';

export interface Upload {
  id: string;
  repositoryId: string;
  createdAt: number;
  updatedAt: number;
  /** The digest the upload's bytes were verified to have, once they are about to become a blob. */
  verifiedDigest: string | null;
  /** The data key its bytes are sealed with, wrapped. */
  dataKey: WrappedKey | null;
}
