// A deployment that cannot be opened for a reason the operator fixes (no database yet, a master
// key of another deployment, a directory that cannot be written): one line, no stack trace.
export class DeploymentError extends Error {
  override name = 'DeploymentError';
}
