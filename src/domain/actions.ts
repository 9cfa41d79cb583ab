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
  DescribeRepositories: 'ecr:DescribeRepositories',
  CreateRepository: 'ecr:CreateRepository',
  DeleteRepository: 'ecr:DeleteRepository',
  PutImageTagMutability: 'ecr:PutImageTagMutability',
  TagResource: 'ecr:TagResource',
  UntagResource: 'ecr:UntagResource',
  ListTagsForResource: 'ecr:ListTagsForResource',
  DescribeRegistry: 'ecr:DescribeRegistry',
  GetAccountSetting: 'ecr:GetAccountSetting',
  PutAccountSetting: 'ecr:PutAccountSetting',
  GetAuthorizationToken: 'ecr:GetAuthorizationToken',
  SetRepositoryPolicy: 'ecr:SetRepositoryPolicy',
  GetRepositoryPolicy: 'ecr:GetRepositoryPolicy',
  DeleteRepositoryPolicy: 'ecr:DeleteRepositoryPolicy',
  PutRegistryPolicy: 'ecr:PutRegistryPolicy',
  GetRegistryPolicy: 'ecr:GetRegistryPolicy',
  DeleteRegistryPolicy: 'ecr:DeleteRegistryPolicy',
} as const;

export type Action = (typeof Actions)[keyof typeof Actions];
