// PutReplicationConfiguration and DescribeImageReplicationStatus: the model's shapes over the
// replication service, on the caller's own registry (DescribeRegistry shows the configuration).
import { z } from 'zod';
import type { ReplicationService } from '../../../registry/replication.js';
import type { ApiActionTable } from '../../aws-json/call.js';
import { context, input } from '../../aws-json/registry-api/call.js';
import { modelPattern } from '../../aws-json/validation.js';
import { ImageIdentifier, RegistryId, RepositoryName } from '../shapes.js';

const FILTER_PATTERN = '^(?:[a-z0-9]+(?:[._-][a-z0-9]*)*/)*[a-z0-9]*(?:[._-][a-z0-9]*)*$';
const Region = z
  .string()
  .min(2)
  .max(25)
  .regex(/^[0-9a-z-]{2,25}$/, modelPattern('[0-9a-z-]{2,25}'));

const ReplicationConfiguration = z.object({
  rules: z
    .array(
      z.object({
        destinations: z.array(z.object({ region: Region, registryId: RegistryId })).max(100),
        repositoryFilters: z
          .array(
            z.object({
              filter: z.string().min(2).max(256).regex(new RegExp(FILTER_PATTERN), modelPattern(FILTER_PATTERN)),
              filterType: z.enum(['PREFIX_MATCH']),
            }),
          )
          .min(1)
          .max(100)
          .optional(),
      }),
    )
    .max(10),
});

/** Input schemas by action, for the model conformance test. */
export const replicationInputs = {
  PutReplicationConfiguration: z.object({ replicationConfiguration: ReplicationConfiguration }),
  DescribeImageReplicationStatus: z.object({
    repositoryName: RepositoryName,
    imageId: ImageIdentifier,
    registryId: RegistryId.optional(),
  }),
};

export function replicationActions(replication: ReplicationService): ApiActionTable {
  return {
    async PutReplicationConfiguration(call) {
      const request = input(replicationInputs.PutReplicationConfiguration, call.body);
      const rules = await replication.putConfiguration(context(call), request.replicationConfiguration.rules);
      return { replicationConfiguration: { rules } };
    },

    async DescribeImageReplicationStatus(call) {
      const request = input(replicationInputs.DescribeImageReplicationStatus, call.body);
      const out = await replication.statuses(
        context(call, request.registryId),
        request.repositoryName,
        request.imageId,
      );
      return {
        repositoryName: request.repositoryName,
        imageId: { imageDigest: out.digest, ...(out.tag !== undefined && { imageTag: out.tag }) },
        replicationStatuses: out.statuses.map((s) => ({
          region: s.region,
          registryId: s.registryId,
          status: s.status,
          ...(s.failureCode !== null && { failureCode: s.failureCode }),
        })),
      };
    },
  };
}
