// Moving images between storage classes (ECR's archive), as lifecycle `transition` rules need it
// from the service that owns storage classes.
import type { Repository } from './records/repositories.js';

export interface ImageArchiver {
  /**
   * Moves an image to the ARCHIVE storage class, as UpdateImageStorageClass does. Resolves once
   * the image is recorded as ARCHIVED (it is no longer pullable from then on).
   */
  archive(repository: Repository, digest: string): Promise<void>;
}
