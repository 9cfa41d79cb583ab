// What a stored push tells the services that act after it (scan on push, signing, metrics):
// called once the manifest's transaction has committed, never for a push that stored nothing.
// A listener's failure never fails the push (the push has succeeded); a listener that must not
// lose work to a crash enqueues a job, or writes an outbox row of its own in the put's transaction.

export interface PushedImage {
  accountId: string;
  repositoryId: string;
  repositoryName: string;
  digest: string;
  mediaType: string;
  artifactType: string | null;
  /** The manifest this one refers to (a signature's or SBOM's image), if any. */
  subjectDigest: string | null;
  tags: string[];
  /** The pushing identity's ARN; undefined for a push by the deployment itself (replication). */
  actorArn?: string;
  pushedAt: number;
}

export interface PushListener {
  readonly name: string;
  pushed(image: PushedImage): Promise<void>;
}
