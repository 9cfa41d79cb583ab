// Berth's configuration: one schema, validated at start-up, every leaf with a default so the
// embedded default needs no file at all. An empty string means "derived from dataDir".
import { z } from 'zod';
import { MeteringConfigSchema } from './schema-metering.js';
import { EndpointsSchema } from './schema-endpoints.js';
import { names } from './schema-shapes.js';
import { EventsConfigSchema, AuditConfigSchema, MetricsConfigSchema } from './schema-observability.js';
import { PullThroughCacheConfigSchema, ScanningConfigSchema } from './schema-images.js';
import { ReplicationConfigSchema } from './schema-replication.js';

const LISTEN = /^(?:\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]*):\d{1,5}$/;

const LISTEN_OR_NONE = /^$|^(?:\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]*):\d{1,5}$/;

export const ConfigSchema = z.strictObject({
  /** HOST:PORT the registry listens on. */
  listen: z
    .string()
    .regex(LISTEN, 'must be HOST:PORT, e.g. localhost:5000 or 0.0.0.0:5000')
    // Only when the shape is right, so a malformed value gets one message.
    .refine((v) => !LISTEN.test(v) || Number(v.slice(v.lastIndexOf(':') + 1)) <= 65535, 'the port must be 0 to 65535')
    .default('localhost:5000'),
  /** This node's name in logs and job leases; default <hostname>-<pid>. */
  nodeId: z
    .string()
    .regex(/^[A-Za-z0-9._:-]{0,64}$/, 'letters, digits and . _ : - only')
    .default(''),
  /** Where the embedded default keeps its database and blobs. */
  dataDir: z.string().min(1).default('./data'),
  log: z
    .strictObject({
      level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
      /** One log line per request. */
      requests: z.boolean().default(true),
      /** pretty: readable lines for a terminal; json: one JSON object a line (for collectors); auto: pretty on a terminal, else json. */
      format: z.enum(['auto', 'pretty', 'json']).default('auto'),
    })
    .prefault({}),
  /** How long clients may take and how much they may hold, on every listener. */
  http: z
    .strictObject({
      /** Seconds a client has to send a request's headers. */
      headersTimeoutSeconds: z.number().int().min(1).max(3600).default(30),
      /** Seconds a connection may pass with no byte moving either way (a stalled request body, a
       *  download the client stopped reading, a handler with nothing to say) before it is closed;
       *  0: never. A slow transfer that keeps moving is never cut: there is no deadline for a whole request. */
      idleTimeoutSeconds: z.number().int().min(0).max(86_400).default(120),
      /** Seconds an idle keep-alive connection is kept open between requests. */
      keepAliveTimeoutSeconds: z.number().int().min(1).max(3600).default(75),
      /** Open connections per client address on each listener; more are refused (503); 0: unlimited. */
      maxConnectionsPerAddress: z.number().int().min(0).default(256),
      /** Blob bytes all downloads together may hold read from storage before their clients take them
       *  (each download gets its share, at least 64 KiB and at most 1 MiB at a time). */
      readAheadBytes: z
        .number()
        .int()
        .min(1024 * 1024)
        .default(64 * 1024 * 1024),
    })
    .prefault({}),
  /** Private endpoints: extra listeners, each a VPC endpoint with an id, a VPC and an endpoint policy. */
  endpoints: EndpointsSchema,
  auth: z
    .strictObject({
      /** iam: every request needs credentials of an identity with access (default). open: anyone may
       *  push and pull everything, with no credentials — only for trusted networks and tests. */
      mode: z.enum(['iam', 'open']).default('iam'),
    })
    .prefault({}),
  /** Pins the bootstrap administrator's access key (for automation); created on first start if absent. */
  admin: z
    .strictObject({
      accessKeyId: z
        .string()
        .regex(/^(AKIA[A-Z2-7]{16})?$/, 'must be AKIA followed by 16 characters A-Z and 2-7')
        .default(''),
      secretAccessKey: z
        .string()
        .regex(/^(.{20,128})?$/, 'must have 20 to 128 characters')
        .default(''),
    })
    .prefault({}),
  keys: z
    .strictObject({
      /** The master key (32 bytes, base64 or hex) that encrypts secrets at rest; every node needs the same. */
      masterKey: z.string().default(''),
      /** Where the master key is kept when masterKey is empty; generated on first start. Default <dataDir>/master.key. */
      masterKeyFile: z.string().default(''),
    })
    .prefault({}),
  accounts: z
    .strictObject({
      /** With a domain, <account id>.<domain> addresses that account's registry; the plain host is the default account. */
      domain: z
        .string()
        .regex(/^([a-z0-9-]+\.)*[a-z0-9-]*$/, 'must be a DNS name')
        .default(''),
      /** Explicit host → account id map, e.g. { "registry.team-a.example": "123456789012" }. */
      hosts: z.record(z.string(), z.string().regex(/^\d{12}$/, 'must be a 12-digit account id')).default({}),
    })
    .prefault({}),
  tls: z
    .strictObject({
      /** PEM certificate file (the server's certificate first, then any intermediates). With key,
       *  every listener serves HTTPS (HTTP/2 where the client offers it, else HTTP/1.1). */
      cert: z.string().default(''),
      /** PEM private key file of that certificate. Both files are read again on SIGHUP. */
      key: z.string().default(''),
      /** Serve HTTPS with a certificate of a local CA that Berth creates once under <dataDir>/tls. */
      selfSigned: z.boolean().default(false),
    })
    .superRefine((tls, ctx) => {
      if (Boolean(tls.cert) !== Boolean(tls.key))
        ctx.addIssue({
          code: 'custom',
          path: [tls.cert ? 'key' : 'cert'],
          message: 'tls.cert and tls.key go together: set both or neither',
        });
      if (tls.selfSigned && (tls.cert || tls.key))
        ctx.addIssue({
          code: 'custom',
          path: ['selfSigned'],
          message: 'either tls.selfSigned or tls.cert and tls.key, not both',
        });
    })
    .prefault({}),
  /** The public registry and gallery (ECR Public): its own listener, anonymous pulls, aliases. */
  public: z
    .strictObject({
      /** HOST:PORT of the public registry and gallery; empty: no public listener. */
      listen: z
        .string()
        .regex(LISTEN_OR_NONE, 'must be HOST:PORT, e.g. localhost:5001, or empty')
        .default('localhost:5001'),
      /** The public registry's host as clients name it in image references (HOST or HOST:PORT); default the listen address. */
      host: z
        .string()
        .regex(/^([A-Za-z0-9.-]+|\[[0-9a-fA-F:.]+\])?(:\d{1,5})?$/, 'must be HOST or HOST:PORT')
        .default(''),
      /** How long a pull or push token from /token is valid. */
      tokenTtlSeconds: z.number().int().min(30).max(3600).default(300),
      rateLimit: z
        .strictObject({
          /** The window pulls are counted in, shared by every node (a table in the metadata store). */
          windowSeconds: z.number().int().min(1).max(86_400).default(60),
          /** Manifest GETs per source IP and window without credentials; 0: unlimited. */
          anonymousPulls: z.number().int().min(0).default(60),
          /** Manifest GETs per account and window with credentials; 0: unlimited. */
          authenticatedPulls: z.number().int().min(0).default(600),
          /** Blob GETs and HEADs per source IP and window without credentials; 0: unlimited. */
          anonymousBlobReads: z.number().int().min(0).default(1200),
          /** Blob GETs and HEADs per account and window with credentials; 0: unlimited. */
          authenticatedBlobReads: z.number().int().min(0).default(12_000),
        })
        .prefault({}),
      /** Alias names no account may request (vendors' names), besides Berth's own. */
      reservedAliases: names.default([]),
    })
    .prefault({}),
  storage: z
    .strictObject({
      /** Where blobs are kept: a directory (filesystem) or an S3-compatible bucket (s3). */
      driver: z.enum(['filesystem', 's3']).default('filesystem'),
      filesystem: z
        .strictObject({
          /** Root directory of blobs; default <dataDir>/storage. */
          root: z.string().default(''),
          /** Where layers of archived images (ECR's ARCHIVE storage class) go, which can be a slower disk; default <dataDir>/archive. */
          archivePath: z.string().default(''),
          /** The operator declares the root to be on an encrypted volume (dm-crypt/LUKS): layer bytes of
           *  AES256 repositories are then stored plain and the volume encrypts them (KMS repositories stay
           *  sealed by Berth). Checked at startup where the machine shows it: a root that is shown not to
           *  be on dm-crypt refuses to start (unless forceEncryptedVolume), one that cannot be told warns. */
          encryptedVolume: z.boolean().default(false),
          /** Start with encryptedVolume even when the device check shows no dm-crypt under the root
           *  (e.g. a self-encrypting drive, which the device mapper does not show). */
          forceEncryptedVolume: z.boolean().default(false),
        })
        .prefault({}),
      s3: z
        .strictObject({
          /** Empty: AWS's endpoint for the region; else e.g. http://minio.internal:9000. */
          endpoint: z
            .string()
            .regex(/^(https?:\/\/\S+)?$/, 'must be an http:// or https:// URL')
            .default(''),
          region: z.string().min(1).default('us-east-1'),
          bucket: z
            .string()
            .regex(
              /^([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])?$/,
              'must be a bucket name: 3-63 lowercase letters, digits, dots and hyphens',
            )
            .default(''),
          /** Keys are <prefix>/blobs/..., so a bucket can be shared. */
          prefix: z
            .string()
            .regex(/^[A-Za-z0-9._/-]*$/, 'letters, digits and . _ / - only')
            .default(''),
          /** Path-style URLs (endpoint/bucket/key), as most S3-compatible stores need. */
          forcePathStyle: z.boolean().default(false),
          /** Static credentials; empty: the SDK's default chain (AWS_* environment, profiles, web identity, instance role). */
          accessKeyId: z.string().default(''),
          secretAccessKey: z.string().default(''),
          sessionToken: z.string().default(''),
          /** Server-side encryption of every object: '' (the bucket's default), AES256 (SSE-S3) or aws:kms (SSE-KMS). */
          serverSideEncryption: z.enum(['', 'AES256', 'aws:kms']).default(''),
          /** With aws:kms: the KMS key id or ARN; empty: the AWS managed key. */
          kmsKeyId: z.string().default(''),
          /** Upload bytes buffered on local disk before they are sent as one part (5 MiB to 4 GiB). */
          partSize: z
            .number()
            .int()
            .min(5 * 1024 * 1024)
            .max(4 * 1024 * 1024 * 1024)
            .default(16 * 1024 * 1024),
          /** Local directory for those buffers; default <dataDir>/s3-buffers. */
          bufferDir: z.string().default(''),
          /** Blob GETs and GetDownloadUrlForLayer answer with pre-signed URLs of the objects instead of
           *  streaming through Berth. Needs serverSideEncryption: layer bytes of AES256 repositories are then
           *  encrypted at rest by the store, not by Berth (KMS repositories stay sealed by Berth and stream). */
          redirect: z.boolean().default(false),
          /** How long a pre-signed blob URL is valid (1 second to S3's limit of 7 days). */
          redirectExpirySeconds: z.number().int().min(1).max(604_800).default(1200),
          /** The S3 storage class layers of archived images are copied into: one S3 reads without a restore
           *  request (Glacier Flexible Retrieval and Deep Archive need one, so they are not offered). */
          archiveStorageClass: z
            .enum(['GLACIER_IR', 'STANDARD_IA', 'ONEZONE_IA', 'INTELLIGENT_TIERING'])
            .default('GLACIER_IR'),
        })
        .prefault({}),
    })
    .superRefine((storage, ctx) => {
      if (storage.driver === 's3' && !storage.s3.bucket)
        ctx.addIssue({ code: 'custom', path: ['s3', 'bucket'], message: 'is required when storage.driver is s3' });
      if (storage.s3.accessKeyId && !storage.s3.secretAccessKey)
        ctx.addIssue({
          code: 'custom',
          path: ['s3', 'secretAccessKey'],
          message: 'is required with storage.s3.accessKeyId',
        });
      if (storage.filesystem.encryptedVolume && storage.driver !== 'filesystem')
        ctx.addIssue({
          code: 'custom',
          path: ['filesystem', 'encryptedVolume'],
          message: 'needs storage.driver filesystem (for S3, use storage.s3.serverSideEncryption)',
        });
      if (storage.filesystem.forceEncryptedVolume && !storage.filesystem.encryptedVolume)
        ctx.addIssue({
          code: 'custom',
          path: ['filesystem', 'forceEncryptedVolume'],
          message: 'needs storage.filesystem.encryptedVolume',
        });
      if (storage.s3.redirect && storage.driver !== 's3')
        ctx.addIssue({
          code: 'custom',
          path: ['s3', 'redirect'],
          message: 'needs storage.driver s3: only an object store can pre-sign URLs',
        });
      else if (storage.s3.redirect && !storage.s3.serverSideEncryption) {
        ctx.addIssue({
          code: 'custom',
          path: ['s3', 'redirect'],
          message:
            'needs storage.s3.serverSideEncryption (AES256 or aws:kms): redirected layer bytes are encrypted at rest by the object store, not by Berth',
        });
      }
    })
    .prefault({}),
  metadata: z
    .strictObject({
      /** sqlite:<file> (default sqlite:<dataDir>/berth.db) or postgres://user:password@host:port/database. */
      url: z.string().default(''),
      /** Connections per node to PostgreSQL. */
      poolSize: z.number().int().min(1).max(200).default(10),
    })
    .prefault({}),
  registry: z
    .strictObject({
      region: z
        .string()
        .regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, 'must be a region name such as us-east-1')
        .default('us-east-1'),
      /** A push to a repository that does not exist creates it. */
      createRepositoryOnPush: z.boolean().default(true),
      maxManifestBytes: z
        .number()
        .int()
        .min(1024)
        .max(64 * 1024 * 1024)
        .default(4 * 1024 * 1024),
      maxBlobBytes: z
        .number()
        .int()
        .positive()
        .default(50 * 1024 * 1024 * 1024),
      /** Uploads untouched this long are removed with their bytes. */
      uploadExpiryHours: z.number().positive().default(24),
      /** Deleted images stay restorable (the trash) this many days; 0 keeps nothing. */
      trashDays: z.number().min(0).default(7),
      /** Memory for manifest bytes by digest (content-addressed, never stale). */
      manifestCacheBytes: z
        .number()
        .int()
        .min(0)
        .default(64 * 1024 * 1024),
      /**
       * Manifest records by tag and digest kept for pulls, emptied by any change to tags, manifests
       * or repositories (other nodes' followed through PostgreSQL's LISTEN/NOTIFY); 0 keeps none.
       */
      manifestLookupCacheEntries: z.number().int().min(0).max(10_000_000).default(10_000),
      /** The image a client that accepts no list type gets from a multi-platform list: os/architecture[/variant]. */
      defaultPlatform: z
        .string()
        .regex(/^[a-z0-9]+\/[a-z0-9_]+(\/[a-z0-9]+)?$/, 'must be os/architecture[/variant], e.g. linux/amd64')
        .default('linux/amd64'),
    })
    .prefault({}),
  /** Lifecycle policies: how often they run, and which images count as in use. */
  lifecycle: z
    .strictObject({
      /** Hours between runs of every repository's lifecycle policy (one node runs them). */
      intervalHours: z.number().positive().max(8760).default(24),
      /** ARN patterns (`*` wildcards) of the principals whose pulls mean an image runs, e.g. the roles of cluster nodes. */
      runtimePrincipals: names
        .pipe(z.array(z.string().regex(/^arn:[^\s]*$/, 'must be an ARN pattern such as arn:aws:iam::*:role/node-*')))
        .default([]),
      /** Days a pull by a runtime principal keeps an image from lifecycle. */
      inUseDays: z.number().int().min(1).max(3650).default(30),
    })
    .prefault({}),
  /** The web console under /console/ on the main listener (issue 23). */
  console: z
    .strictObject({
      /** Serve the console; false: /console/ answers 404. */
      enabled: z.boolean().default(true),
      /** Minutes without a request after which a console session ends. */
      idleTimeoutMinutes: z.number().int().min(1).max(1440).default(60),
      /** Failed sign-ins per user, and per address, within the window before sign-ins there wait. */
      maxFailures: z.number().int().min(1).max(100).default(5),
      /** Minutes failed sign-ins are counted over. */
      failureWindowMinutes: z.number().int().min(1).max(1440).default(15),
    })
    .prefault({}),
  /** Online garbage collection (registry/gc.ts): frees blobs and manifest bytes nothing references. */
  gc: z
    .strictObject({
      /** Content uploaded, mounted, checked or unreferenced less than this long ago is kept (fractions allowed). */
      graceHours: z.number().min(0).max(8760).default(24),
      /** Hours between scheduled collections (one node at a time); 0: never on a schedule (`berth gc` still runs). */
      intervalHours: z.number().min(0).max(8760).default(24),
      /** Also delete untagged manifests older than the grace that no index names and no subject needs. */
      deleteUntagged: z.boolean().default(false),
      /**
       * While requests are being served, a collection in the server works at most this share of
       * the time (percent), in small units, resting in between; with none, at full speed. 100: no rests.
       */
      busyPercent: z.number().int().min(1).max(100).default(10),
    })
    .prefault({}),
  /** Metering: transfer out and storage, usage reports and estimated costs (schema-metering.ts). */
  metering: MeteringConfigSchema,
  /** Replication to other regions (Berth deployments) and accounts (ECR's replication configuration). */
  replication: ReplicationConfigSchema,
  /** EventBridge-shaped events sent to webhooks (the events face's rules and targets). */
  events: EventsConfigSchema,
  /** The audit trail (CloudTrail-shaped events of every API call and registry request; LookupEvents). */
  audit: AuditConfigSchema,
  /** Prometheus metrics on GET /metrics of the main listener. */
  metrics: MetricsConfigSchema,
  /** ECR's pull-through cache: which upstream registries rules may name, and how cached tags are refreshed. */
  pullThroughCache: PullThroughCacheConfigSchema,
  /** Image scanning (scanning/): the scan workers every node runs, and what a scan reads. */
  scanning: ScanningConfigSchema,
});

export type Config = z.infer<typeof ConfigSchema>;
