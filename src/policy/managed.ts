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
    Statement: [{
      Effect: 'Allow',
      Action: [...READ_ONLY_ACTIONS, 'ecr:InitiateLayerUpload', 'ecr:UploadLayerPart', 'ecr:CompleteLayerUpload', 'ecr:PutImage'],
      Resource: '*',
    }],
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
    Statement: [{ Effect: 'Allow', Action: ['ecr:GetAuthorizationToken', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'], Resource: '*' }],
  },
};

export interface ManagedPolicy {
  name: string;
  /** arn:aws:iam::aws:policy/<name>, the same in every account. */
  arn: string;
  text: string;
  document: PolicyDocument;
}

export const MANAGED_POLICIES: readonly ManagedPolicy[] = Object.entries(MANAGED_POLICY_TEXT).map(([name, raw]) => ({
  name,
  arn: `arn:aws:iam::aws:policy/${name}`,
  text: JSON.stringify(raw),
  document: parsePolicyObject(raw, 'identity'),
}));

/** An AWS managed policy by ARN, or undefined. */
export function managedPolicy(arn: string): ManagedPolicy | undefined {
  return MANAGED_POLICIES.find((p) => p.arn === arn);
}
