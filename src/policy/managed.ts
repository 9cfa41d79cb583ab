// The AWS managed policies for ECR, in every account under their AWS ARNs, with the statements
// AWS publishes for them (IAM console, "AWS managed policies for Amazon ECR"; PullOnly since 2024).
import { parsePolicyObject, type PolicyDocument } from './document.js';

const READ_ONLY_ACTIONS = [
  'ecr:GetAuthorizationToken',
  'ecr:BatchCheckLayerAvailability',
  'ecr:GetDownloadUrlForLayer',
  'ecr:GetRepositoryPolicy',
  'ecr:DescribeRepositories',
  'ecr:ListImages',
  'ecr:DescribeImages',
  'ecr:BatchGetImage',
  'ecr:GetLifecyclePolicy',
  'ecr:GetLifecyclePolicyPreview',
  'ecr:ListTagsForResource',
  'ecr:DescribeImageScanFindings',
];

/** The documents as AWS writes them, by policy name. */
export const MANAGED_POLICY_TEXT: Record<string, object> = {
  AmazonEC2ContainerRegistryReadOnly: {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: READ_ONLY_ACTIONS, Resource: '*' }],
  },
  AmazonEC2ContainerRegistryPowerUser: {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Action: [
          ...READ_ONLY_ACTIONS,
          'ecr:InitiateLayerUpload',
          'ecr:UploadLayerPart',
          'ecr:CompleteLayerUpload',
          'ecr:PutImage',
        ],
        Resource: '*',
      },
    ],
  },
  AmazonEC2ContainerRegistryFullAccess: {
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Action: ['ecr:*', 'cloudtrail:LookupEvents'], Resource: '*' },
      {
        Effect: 'Allow',
        Action: ['iam:CreateServiceLinkedRole'],
        Resource: '*',
        Condition: { StringEquals: { 'iam:AWSServiceName': ['replication.ecr.amazonaws.com'] } },
      },
    ],
  },
  AmazonEC2ContainerRegistryPullOnly: {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Action: ['ecr:GetAuthorizationToken', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
        Resource: '*',
      },
    ],
  },
};

export interface ManagedPolicy {
  name: string;
  /** When AWS published the policy and last edited it (its CreateDate and UpdateDate), epoch ms. */
  createdAt: number;
  updatedAt: number;
  /** arn:aws:iam::aws:policy/<name>, the same in every account. */
  arn: string;
  text: string;
  document: PolicyDocument;
}

/**
 * Creation and edit times as the AWS Managed Policy Reference lists them. FullAccess's are not
 * recorded here to the minute: the day ECR's managed policies were published stands for both.
 */
const DATES: Record<string, [string, string]> = {
  AmazonEC2ContainerRegistryReadOnly: ['2015-12-21T17:04:00Z', '2019-12-10T20:56:00Z'],
  AmazonEC2ContainerRegistryPowerUser: ['2015-12-21T17:05:00Z', '2019-12-10T20:48:00Z'],
  AmazonEC2ContainerRegistryFullAccess: ['2015-12-21T00:00:00Z', '2015-12-21T00:00:00Z'],
  AmazonEC2ContainerRegistryPullOnly: ['2024-10-04T16:58:00Z', '2024-10-04T16:58:00Z'],
};

export const MANAGED_POLICIES: readonly ManagedPolicy[] = Object.entries(MANAGED_POLICY_TEXT).map(([name, raw]) => ({
  name,
  createdAt: Date.parse(DATES[name]![0]),
  updatedAt: Date.parse(DATES[name]![1]),
  arn: `arn:aws:iam::aws:policy/${name}`,
  text: JSON.stringify(raw),
  document: parsePolicyObject(raw, 'identity'),
}));

/** An AWS managed policy by ARN, or undefined. */
export function managedPolicy(arn: string): ManagedPolicy | undefined {
  return MANAGED_POLICIES.find((p) => p.arn === arn);
}
