// IAM roles: CreateRole, GetRole, ListRoles, DeleteRole, UpdateAssumeRolePolicy, TagRole,
// UntagRole, ListRoleTags. Policy documents travel URL-encoded in answers, as IAM sends them.
import { z } from 'zod';
import type { ResourceTag } from '../../../domain/resource-tags.js';
import { signed } from '../../../iam/iam-access.js';
import type { RoleService } from '../../../iam/roles.js';
import type { Role } from '../../../domain/records/roles.js';
import { input, type IamActionTable } from '../call.js';
import { listPage, marker, maxItems, name, policyText, tagKeyList, tagList, tagsXml, unsupported } from '../shapes.js';
import type { XmlValue } from '../xml.js';

const document = z.string().min(1).max(131072);
const path = z.string().min(1).max(512).optional();

function roleXml(role: Role & { tags?: ResourceTag[] }): { [name: string]: XmlValue } {
  return {
    Path: role.path,
    RoleName: role.name,
    RoleId: role.id,
    Arn: role.arn,
    CreateDate: new Date(role.createdAt),
    AssumeRolePolicyDocument: policyText(role.trustPolicy),
    Description: role.description ?? undefined,
    MaxSessionDuration: role.maxSessionDuration,
    Tags: role.tags && role.tags.length > 0 ? tagsXml(role.tags) : undefined,
  };
}

export function roleActions(roles: RoleService): IamActionTable {
  return {
    async CreateRole(call) {
      const body = input(
        z.object({
          RoleName: name,
          AssumeRolePolicyDocument: document,
          Path: path,
          Description: z.string().max(1000).optional(),
          MaxSessionDuration: z.coerce.number().int().optional(),
          Tags: tagList,
          PermissionsBoundary: unsupported('permissions boundaries'),
        }),
        call.body,
      );
      const role = await roles.create(signed(call.principal), {
        name: body.RoleName,
        trustPolicy: body.AssumeRolePolicyDocument,
        ...(body.Path !== undefined && { path: body.Path }),
        ...(body.Description !== undefined && { description: body.Description }),
        ...(body.MaxSessionDuration !== undefined && { maxSessionDuration: body.MaxSessionDuration }),
        ...(body.Tags && { tags: body.Tags }),
      });
      return { Role: roleXml(role) };
    },
    async GetRole(call) {
      const body = input(z.object({ RoleName: name }), call.body);
      return { Role: roleXml(await roles.get(signed(call.principal), body.RoleName)) };
    },
    async ListRoles(call) {
      const body = input(z.object({ PathPrefix: path, Marker: marker, MaxItems: maxItems }), call.body);
      return listPage(
        call,
        'Roles',
        await roles.list(signed(call.principal), body.PathPrefix),
        (r) => r.name,
        body,
        roleXml,
      );
    },
    async DeleteRole(call) {
      const body = input(z.object({ RoleName: name }), call.body);
      await roles.delete(signed(call.principal), body.RoleName);
      return undefined;
    },
    async UpdateAssumeRolePolicy(call) {
      const body = input(z.object({ RoleName: name, PolicyDocument: document }), call.body);
      await roles.updateTrustPolicy(signed(call.principal), body.RoleName, body.PolicyDocument);
      return undefined;
    },
    async TagRole(call) {
      const body = input(z.object({ RoleName: name, Tags: tagList.pipe(z.array(z.any()).min(1)) }), call.body);
      await roles.tag(signed(call.principal), body.RoleName, body.Tags);
      return undefined;
    },
    async UntagRole(call) {
      const body = input(z.object({ RoleName: name, TagKeys: tagKeyList }), call.body);
      await roles.untag(signed(call.principal), body.RoleName, body.TagKeys);
      return undefined;
    },
    async ListRoleTags(call) {
      const body = input(z.object({ RoleName: name, Marker: marker, MaxItems: maxItems }), call.body);
      return listPage(
        call,
        'Tags',
        await roles.tags(signed(call.principal), body.RoleName),
        (t) => t.key,
        body,
        (t) => tagsXml([t])[0],
      );
    },
  };
}
