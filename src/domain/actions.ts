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
} as const;

export type Action = (typeof Actions)[keyof typeof Actions];
