// What a running Berth offers the CLI and the tests: its listeners, its stores and services, and
// the actions its faces answer.
import type { FastifyInstance } from 'fastify';
import type { AuditTrail } from '../audit/trail.js';
import type { Config } from '../config/schema.js';
import type { AliasService } from '../public/aliases.js';
import type { IdentityService, NewAccessKey } from '../iam/identities.js';
import type { TokenService } from '../iam/tokens.js';
import type { UserPolicyService } from '../iam/user-policies.js';
import type { JobScheduler } from '../jobs/scheduler.js';
import type { GcWiring } from './gc.js';
import type { ReplicationWorker } from '../registry/replication-worker.js';
import type { ImageSigner } from '../registry/image-signer.js';
import type { KeyService } from '../kms/key-service.js';
import type { MetadataStore } from '../metadata/store.js';
import type { RegistryServices } from '../registry/services.js';
import type { StorageDriver } from '../storage/driver.js';
import type { TlsCredentials } from '../tls/credentials.js';
import type { TlsSetup } from '../tls/setup.js';
import type { PushListener } from '../domain/push-listener.js';
import type { DeliveryWorker } from '../events/delivery-worker.js';
import type { EventOutboxService } from '../events/outbox.js';
import type { EventRules } from '../events/rules.js';
import type { MeteringWiring } from './metering.js';
import type { ScanWorker } from '../scanning/scan-worker.js';

export interface Berth {
  readonly app: FastifyInstance;
  readonly config: Config;
  readonly store: MetadataStore;
  readonly driver: StorageDriver;
  readonly services: RegistryServices;
  /** Told of every stored push after its transaction (capabilities add theirs when wired). */
  readonly pushListeners: PushListener[];
  /** Metering: this node's transfer counter (tests flush it), the storage sampler, the usage service. */
  readonly metering: MeteringWiring;
  /** Managed signing on push (tests wait for it with idle()). */
  readonly signer: ImageSigner;
  /** The audit trail (tests flush it instead of waiting for its interval). */
  readonly audit: AuditTrail;
  readonly scheduler: JobScheduler;
  /** Garbage collection: the collector the scheduled job runs, and the storage audit. */
  readonly gc: GcWiring;
  /** The replication worker of this node (tests drain it instead of waiting for its poll). */
  readonly replication: ReplicationWorker;
  /** The event delivery worker of this node (tests drain it instead of waiting for its poll). */
  readonly eventDelivery: DeliveryWorker;
  /** The events API's rules and targets. */
  readonly eventRules: EventRules;
  /** The events outbox (the pull-through cache and the scanner send their events through it). */
  readonly eventOutbox: EventOutboxService;
  /** The scan worker of this node (tests drain it instead of waiting for it). */
  readonly scans: ScanWorker;
  /** The key service (KMS keys of every account). */
  readonly keys: KeyService;
  readonly identities: IdentityService;
  /** Users' identity policies (inline and attached). */
  readonly userPolicies: UserPolicyService;
  /** Issues and verifies registry passwords. */
  readonly tokens: TokenService;
  /** The deployment's default account. */
  readonly accountId: string;
  /** The administrator key this start created (to be shown once), if it created one. */
  readonly bootstrapKey: NewAccessKey | undefined;
  /** Set when this start generated the master key file (to warn that it must be backed up). */
  readonly generatedMasterKey: string | undefined;
  /** This node's name in logs and job leases. */
  readonly nodeId: string;
  /** The ECR API actions this Berth answers (for the model conformance test). */
  readonly ecrActions: readonly string[];
  /** The key service (KMS) actions this Berth answers. */
  readonly kmsActions: readonly string[];
  /** How the listener serves TLS (files, and the local CA with --tls-self-signed); undefined on plain HTTP. */
  readonly tls: TlsSetup | undefined;
  /** The IAM and STS actions this Berth answers, as iam:Name and sts:Name. */
  readonly queryActions: readonly string[];
  /** Listens on config.listen (or the given port); resolves with the base URL (https:// with TLS). */
  listen(): Promise<string>;
  /** Reads the TLS certificate and key again and serves them to new connections (SIGHUP). */
  reloadTls(): TlsCredentials;
  /** Cuts every open connection (when a stop's grace period is over). */
  closeAllConnections(): void;
  /** The ECR Public API actions this Berth answers. */
  readonly ecrPublicActions: readonly string[];
  /** The Secrets Manager actions this Berth answers. */
  readonly secretsActions: readonly string[];
  /** The events (EventBridge) actions this Berth answers. */
  readonly eventsActions: readonly string[];
  /** The CloudTrail actions this Berth answers. */
  readonly cloudTrailActions: readonly string[];
  /** The CloudWatch actions this Berth answers (ECR's metrics, on the query protocol host). */
  readonly cloudWatchActions: readonly string[];
  /** The public registry and gallery (on public.listen), unless public.listen is empty. */
  readonly publicApp: FastifyInstance | undefined;
  /** The registry services on public repositories. */
  readonly publicServices: RegistryServices;
  readonly aliases: AliasService;
  /** The public listener's base URL, once listening. */
  publicUrl(): string;
  /** The base URL of each private endpoint's listener (config.endpoints) by endpoint id, once listening. */
  endpointUrls(): Readonly<Record<string, string>>;
  close(): Promise<void>;
}
