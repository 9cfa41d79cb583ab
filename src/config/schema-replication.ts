// Replication's settings (config.replication): the peers (other regions), tag filters, and the
// worker's lease, attempts and polling.
import { z } from 'zod';
import { jsonFromEnvironment } from './schema-shapes.js';

/** Replication to other regions (Berth deployments) and accounts (ECR's replication configuration). */
export const ReplicationConfigSchema = z
  .strictObject({
    /** The other regions this deployment can reach: a YAML list, or (from BERTH_REPLICATION_PEERS) a JSON array. */
    peers: z
      .preprocess(
        jsonFromEnvironment,
        z.array(
          z.strictObject({
            region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, 'must be a region name such as eu-west-1'),
            /** The peer's registry URL, e.g. https://berth.eu-west-1.example.com */
            endpoint: z.string().regex(/^https?:\/\/[^\s/]+\/?$/, 'must be http(s)://host[:port]'),
            /** A PEM file of the CAs that sign the peer's certificate (HTTPS); empty: the system's. */
            caBundle: z.string().default(''),
            /** The access key Berth signs in with at the peer (an identity of the destination account there). */
            accessKeyId: z.string().default(''),
            secretAccessKey: z.string().default(''),
            /**
             * Instead of the two above: a Secrets Manager secret of the deployment's default account
             * (name or ARN) holding {"accessKeyId": ..., "secretAccessKey": ...}, sealed at rest.
             */
            credentialsSecret: z.string().default(''),
          }),
        ),
      )
      .default([]),
    /**
     * Which tags replicate (a Berth extension: ECR's rules filter repositories only). A push to a
     * repository a filter covers replicates the tags matching one of its patterns; a push by
     * digest with no tag (index children, signatures, SBOMs) always replicates.
     */
    tagFilters: z
      .preprocess(
        jsonFromEnvironment,
        z.array(
          z.strictObject({
            account: z
              .string()
              .regex(/^\d{12}$/, 'must be a 12-digit account id')
              .optional(),
            repositoryPrefix: z.string().default(''),
            tags: z
              .array(z.string().regex(/^[A-Za-z0-9_.*-]{1,128}$/, 'must be a tag pattern such as release-*'))
              .min(1, 'name at least one tag pattern'),
          }),
        ),
      )
      .default([]),
    /** Seconds a node holds a replication before another may take it over. */
    leaseSeconds: z.number().int().min(5).max(3600).default(300),
    /** Attempts before a replication is FAILED. */
    maxAttempts: z.number().int().min(1).max(100).default(6),
    /** The chunks a blob goes to a peer in: what a transfer that broke off sends again at most. */
    chunkMebibytes: z.number().int().min(1).max(1024).default(32),
    /** Replications a node runs at once (a tag's moves still go in order). */
    concurrency: z.number().int().min(1).max(64).default(4),
    /** Milliseconds between looks for work when there is none. */
    pollMilliseconds: z.number().int().min(50).max(60_000).default(1000),
  })
  .superRefine((replication, ctx) => {
    const seen = new Set<string>();
    replication.peers.forEach((peer, i) => {
      if (seen.has(peer.region))
        ctx.addIssue({ code: 'custom', message: 'one peer per region', path: ['peers', i, 'region'] });
      if (peer.credentialsSecret && (peer.accessKeyId || peer.secretAccessKey))
        ctx.addIssue({
          code: 'custom',
          message: 'give either credentialsSecret or accessKeyId and secretAccessKey, not both',
          path: ['peers', i, 'credentialsSecret'],
        });
      seen.add(peer.region);
    });
  })
  .prefault({});
