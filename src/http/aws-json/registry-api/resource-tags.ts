// TagResource, UntagResource, ListTagsForResource: tags on repositories, addressed by ARN (an
// ECR or an ECR Public one), as both ECR faces answer them.
import { z } from 'zod';
import type { ResourceTagService } from '../../../registry/resource-tags.js';
import type { ApiActionTable } from '../call.js';
import { context, input } from './call.js';
import { Arn, TagList } from './shapes.js';

/** Input schemas by action, for the model conformance test. */
export const resourceTagInputs = {
  TagResource: z.object({ resourceArn: Arn, tags: TagList }),
  UntagResource: z.object({ resourceArn: Arn, tagKeys: z.array(z.string()) }),
  ListTagsForResource: z.object({ resourceArn: Arn }),
};

export function resourceTagActions(tags: ResourceTagService): ApiActionTable {
  return {
    async TagResource(call) {
      const request = input(resourceTagInputs.TagResource, call.body);
      await tags.tag(
        context(call),
        request.resourceArn,
        request.tags.map((t) => ({ key: t.Key, value: t.Value })),
      );
      return {};
    },

    async UntagResource(call) {
      const request = input(resourceTagInputs.UntagResource, call.body);
      await tags.untag(context(call), request.resourceArn, request.tagKeys);
      return {};
    },

    async ListTagsForResource(call) {
      const request = input(resourceTagInputs.ListTagsForResource, call.body);
      const list = await tags.list(context(call), request.resourceArn);
      return { tags: list.map((t) => ({ Key: t.key, Value: t.value })) };
    },
  };
}
