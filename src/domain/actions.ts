// The ECR actions every operation names, on every face, for the one authorization call.

export const Actions = {
  BatchGetImage: 'ecr:BatchGetImage',
  GetDownloadUrlForLayer: 'ecr:GetDownloadUrlForLayer',
  BatchCheckLayerAvailability: 'ecr:BatchCheckLayerAvailability',
  InitiateLayerUpload: 'ecr:InitiateLayerUpload',
  UploadLayerPart: 'ecr:UploadLayerPart',
  CompleteLayerUpload: 'ecr:CompleteLayerUpload',
  PutImage: 'ecr:PutImage',
  BatchDeleteImage: 'ecr:BatchDeleteImage',
  ListImages: 'ecr:ListImages',
  DescribeImages: 'ecr:DescribeImages',
  UpdateImageStorageClass: 'ecr:UpdateImageStorageClass',
  DescribeRepositories: 'ecr:DescribeRepositories',
  CreateRepository: 'ecr:CreateRepository',
  DeleteRepository: 'ecr:DeleteRepository',
  PutImageTagMutability: 'ecr:PutImageTagMutability',
  TagResource: 'ecr:TagResource',
  UntagResource: 'ecr:UntagResource',
  ListTagsForResource: 'ecr:ListTagsForResource',
  DescribeRegistry: 'ecr:DescribeRegistry',
  PutReplicationConfiguration: 'ecr:PutReplicationConfiguration',
  DescribeImageReplicationStatus: 'ecr:DescribeImageReplicationStatus',
  PutSigningConfiguration: 'ecr:PutSigningConfiguration',
  GetSigningConfiguration: 'ecr:GetSigningConfiguration',
  DeleteSigningConfiguration: 'ecr:DeleteSigningConfiguration',
  DescribeImageSigningStatus: 'ecr:DescribeImageSigningStatus',
  /** What a destination registry's policy grants a source account for cross-account replication. */
  ReplicateImage: 'ecr:ReplicateImage',
  GetAccountSetting: 'ecr:GetAccountSetting',
  PutAccountSetting: 'ecr:PutAccountSetting',
  GetAuthorizationToken: 'ecr:GetAuthorizationToken',
  SetRepositoryPolicy: 'ecr:SetRepositoryPolicy',
  GetRepositoryPolicy: 'ecr:GetRepositoryPolicy',
  DeleteRepositoryPolicy: 'ecr:DeleteRepositoryPolicy',
  PutRegistryPolicy: 'ecr:PutRegistryPolicy',
  GetRegistryPolicy: 'ecr:GetRegistryPolicy',
  DeleteRegistryPolicy: 'ecr:DeleteRegistryPolicy',
  CreateRepositoryCreationTemplate: 'ecr:CreateRepositoryCreationTemplate',
  DescribeRepositoryCreationTemplates: 'ecr:DescribeRepositoryCreationTemplates',
  UpdateRepositoryCreationTemplate: 'ecr:UpdateRepositoryCreationTemplate',
  DeleteRepositoryCreationTemplate: 'ecr:DeleteRepositoryCreationTemplate',
  CreatePullThroughCacheRule: 'ecr:CreatePullThroughCacheRule',
  DescribePullThroughCacheRules: 'ecr:DescribePullThroughCacheRules',
  UpdatePullThroughCacheRule: 'ecr:UpdatePullThroughCacheRule',
  DeletePullThroughCacheRule: 'ecr:DeletePullThroughCacheRule',
  ValidatePullThroughCacheRule: 'ecr:ValidatePullThroughCacheRule',
  /** What a pull through the cache asks beside the pull (and ecr:CreateRepository for a new repository). */
  BatchImportUpstreamImage: 'ecr:BatchImportUpstreamImage',
  PutLifecyclePolicy: 'ecr:PutLifecyclePolicy',
  GetLifecyclePolicy: 'ecr:GetLifecyclePolicy',
  DeleteLifecyclePolicy: 'ecr:DeleteLifecyclePolicy',
  StartLifecyclePolicyPreview: 'ecr:StartLifecyclePolicyPreview',
  GetLifecyclePolicyPreview: 'ecr:GetLifecyclePolicyPreview',
  RegisterPullTimeUpdateExclusion: 'ecr:RegisterPullTimeUpdateExclusion',
  DeregisterPullTimeUpdateExclusion: 'ecr:DeregisterPullTimeUpdateExclusion',
  ListPullTimeUpdateExclusions: 'ecr:ListPullTimeUpdateExclusions',
  StartImageScan: 'ecr:StartImageScan',
  DescribeImageScanFindings: 'ecr:DescribeImageScanFindings',
  PutImageScanningConfiguration: 'ecr:PutImageScanningConfiguration',
  PutRegistryScanningConfiguration: 'ecr:PutRegistryScanningConfiguration',
  GetRegistryScanningConfiguration: 'ecr:GetRegistryScanningConfiguration',
  BatchGetRepositoryScanningConfiguration: 'ecr:BatchGetRepositoryScanningConfiguration',
} as const;

/** The key service's actions (KMS), named as IAM policies name them. */
export const KmsActions = {
  CreateKey: 'kms:CreateKey',
  DescribeKey: 'kms:DescribeKey',
  ListKeys: 'kms:ListKeys',
  EnableKey: 'kms:EnableKey',
  DisableKey: 'kms:DisableKey',
  ScheduleKeyDeletion: 'kms:ScheduleKeyDeletion',
  CancelKeyDeletion: 'kms:CancelKeyDeletion',
  CreateAlias: 'kms:CreateAlias',
  ListAliases: 'kms:ListAliases',
  GetKeyPolicy: 'kms:GetKeyPolicy',
  PutKeyPolicy: 'kms:PutKeyPolicy',
  ListKeyPolicies: 'kms:ListKeyPolicies',
  EnableKeyRotation: 'kms:EnableKeyRotation',
  DisableKeyRotation: 'kms:DisableKeyRotation',
  GetKeyRotationStatus: 'kms:GetKeyRotationStatus',
  RotateKeyOnDemand: 'kms:RotateKeyOnDemand',
  Encrypt: 'kms:Encrypt',
  Decrypt: 'kms:Decrypt',
  GenerateDataKey: 'kms:GenerateDataKey',
  Sign: 'kms:Sign',
  Verify: 'kms:Verify',
  GetPublicKey: 'kms:GetPublicKey',
  /** Also asked for by ECR on the key a KMS repository is created with. */
  CreateGrant: 'kms:CreateGrant',
  ListGrants: 'kms:ListGrants',
  ListRetirableGrants: 'kms:ListRetirableGrants',
  RetireGrant: 'kms:RetireGrant',
  RevokeGrant: 'kms:RevokeGrant',
} as const;

/** EventBridge's actions Berth serves (rules and their webhook targets), on a rule's ARN. */
export const EventsActions = {
  PutRule: 'events:PutRule',
  DescribeRule: 'events:DescribeRule',
  ListRules: 'events:ListRules',
  DeleteRule: 'events:DeleteRule',
  PutTargets: 'events:PutTargets',
  ListTargetsByRule: 'events:ListTargetsByRule',
  RemoveTargets: 'events:RemoveTargets',
  TestEventPattern: 'events:TestEventPattern',
  /** Berth's own: the account's dead letters (deliveries given up), listed and replayed. */
  ListDeadLetters: 'events:ListDeadLetters',
  ReplayDeadLetters: 'events:ReplayDeadLetters',
} as const;

/** Secrets Manager's actions, named as IAM policies name them (on a secret's ARN). */
export const SecretsActions = {
  CreateSecret: 'secretsmanager:CreateSecret',
  GetSecretValue: 'secretsmanager:GetSecretValue',
  PutSecretValue: 'secretsmanager:PutSecretValue',
  DescribeSecret: 'secretsmanager:DescribeSecret',
  ListSecrets: 'secretsmanager:ListSecrets',
  UpdateSecret: 'secretsmanager:UpdateSecret',
  DeleteSecret: 'secretsmanager:DeleteSecret',
  RestoreSecret: 'secretsmanager:RestoreSecret',
  TagResource: 'secretsmanager:TagResource',
  UntagResource: 'secretsmanager:UntagResource',
  PutResourcePolicy: 'secretsmanager:PutResourcePolicy',
  GetResourcePolicy: 'secretsmanager:GetResourcePolicy',
  DeleteResourcePolicy: 'secretsmanager:DeleteResourcePolicy',
} as const;

/** CloudTrail's actions (the audit trail's lookup, on "*"). */
export const CloudTrailActions = {
  LookupEvents: 'cloudtrail:LookupEvents',
} as const;

/** CloudWatch's actions (ECR's metrics, on "*"). */
export const CloudWatchActions = {
  GetMetricStatistics: 'cloudwatch:GetMetricStatistics',
  ListMetrics: 'cloudwatch:ListMetrics',
} as const;

/** What only ECR Public has (its repositories otherwise take the ECR actions above). */
export const PublicActions = {
  GetAuthorizationToken: 'ecr-public:GetAuthorizationToken',
  DescribeRegistries: 'ecr-public:DescribeRegistries',
  GetRegistryCatalogData: 'ecr-public:GetRegistryCatalogData',
  PutRegistryCatalogData: 'ecr-public:PutRegistryCatalogData',
  GetRepositoryCatalogData: 'ecr-public:GetRepositoryCatalogData',
  PutRepositoryCatalogData: 'ecr-public:PutRepositoryCatalogData',
  SetRepositoryPolicy: 'ecr-public:SetRepositoryPolicy',
  GetRepositoryPolicy: 'ecr-public:GetRepositoryPolicy',
  DeleteRepositoryPolicy: 'ecr-public:DeleteRepositoryPolicy',
  DescribeImageTags: 'ecr-public:DescribeImageTags',
  /** STS's, asked by ECR Public's GetAuthorizationToken beside its own (its token is a service bearer token). */
  GetServiceBearerToken: 'sts:GetServiceBearerToken',
} as const;

/** The ECR actions ECR Public has too: on a public repository, policies name them ecr-public:<Name>. */
const SHARED_WITH_PUBLIC = [
  'BatchCheckLayerAvailability',
  'BatchDeleteImage',
  'CompleteLayerUpload',
  'CreateRepository',
  'DeleteRepository',
  'DescribeImages',
  'DescribeRepositories',
  'InitiateLayerUpload',
  'ListTagsForResource',
  'PutImage',
  'TagResource',
  'UntagResource',
  'UploadLayerPart',
  'SetRepositoryPolicy',
  'GetRepositoryPolicy',
  'DeleteRepositoryPolicy',
] as const;

type SharedWithPublic = (typeof SHARED_WITH_PUBLIC)[number];
const SHARED: ReadonlySet<string> = new Set(SHARED_WITH_PUBLIC);

export type Action =
  | (typeof Actions)[keyof typeof Actions]
  | (typeof PublicActions)[keyof typeof PublicActions]
  | `ecr-public:${SharedWithPublic}`
  | (typeof KmsActions)[keyof typeof KmsActions]
  | (typeof SecretsActions)[keyof typeof SecretsActions]
  | (typeof EventsActions)[keyof typeof EventsActions]
  | (typeof CloudTrailActions)[keyof typeof CloudTrailActions]
  | (typeof CloudWatchActions)[keyof typeof CloudWatchActions];

/**
 * An action as ECR Public names it: ecr:PutImage is ecr-public:PutImage on a public repository.
 * Pull actions (which ECR Public does not name: pulls are anonymous) and others stay as they are.
 */
export function publicActionOf(action: Action): Action {
  if (!action.startsWith('ecr:')) return action;
  const name = action.slice('ecr:'.length);
  return SHARED.has(name) ? (`ecr-public:${name}` as Action) : action;
}
