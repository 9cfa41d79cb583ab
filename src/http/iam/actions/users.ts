// IAM users, their access keys and tags: CreateUser, GetUser, ListUsers, DeleteUser,
// CreateAccessKey, ListAccessKeys, UpdateAccessKey, DeleteAccessKey, GetAccessKeyLastUsed, TagUser, UntagUser, ListUserTags.
import { z } from 'zod';
import { signed } from '../../../iam/iam-access.js';
import type { IamUserService } from '../../../iam/iam-users.js';
import { input, type IamActionTable } from '../call.js';
import { listPage, marker, maxItems, name, tagKeyList, tagList, tagsXml, userXml, unsupported } from '../shapes.js';

const path = z.string().min(1).max(512).optional();
const accessKeyId = z
  .string()
  .min(16)
  .max(128)
  .regex(/^[\w]+$/);
const status = z.enum(['Active', 'Inactive']);

export function userActions(users: IamUserService): IamActionTable {
  return {
    async CreateUser(call) {
      const body = input(
        z.object({
          UserName: name,
          Path: path,
          Tags: tagList,
          PermissionsBoundary: unsupported('permissions boundaries'),
        }),
        call.body,
      );
      return { User: userXml(await users.create(signed(call.principal), body.UserName, body.Path, body.Tags)) };
    },
    async GetUser(call) {
      const body = input(z.object({ UserName: name.optional() }), call.body);
      return { User: userXml(await users.get(signed(call.principal), body.UserName)) };
    },
    async ListUsers(call) {
      const body = input(z.object({ PathPrefix: path, Marker: marker, MaxItems: maxItems }), call.body);
      const list = (await users.list(signed(call.principal))).filter((u) => u.path.startsWith(body.PathPrefix ?? '/'));
      return listPage(
        call,
        'Users',
        list,
        (u) => u.name,
        body,
        (u) => userXml({ ...u, tags: [] }),
      );
    },
    async DeleteUser(call) {
      const body = input(z.object({ UserName: name }), call.body);
      await users.delete(signed(call.principal), body.UserName);
      return undefined;
    },
    async CreateAccessKey(call) {
      const body = input(z.object({ UserName: name.optional() }), call.body);
      const key = await users.createAccessKey(signed(call.principal), body.UserName);
      return {
        AccessKey: {
          UserName: key.user.kind === 'root' ? undefined : key.user.name,
          AccessKeyId: key.accessKeyId,
          Status: 'Active',
          SecretAccessKey: key.secretAccessKey,
          CreateDate: new Date(key.createdAt),
        },
      };
    },
    async ListAccessKeys(call) {
      const body = input(z.object({ UserName: name.optional(), Marker: marker, MaxItems: maxItems }), call.body);
      const keys = await users.listAccessKeys(signed(call.principal), body.UserName);
      return listPage(
        call,
        'AccessKeyMetadata',
        keys,
        (k) => k.accessKeyId,
        body,
        (k) => ({
          UserName: k.userName === 'root' ? undefined : k.userName,
          AccessKeyId: k.accessKeyId,
          Status: k.status,
          CreateDate: new Date(k.createdAt),
        }),
      );
    },
    async UpdateAccessKey(call) {
      const body = input(z.object({ UserName: name.optional(), AccessKeyId: accessKeyId, Status: status }), call.body);
      await users.updateAccessKey(signed(call.principal), body.AccessKeyId, body.Status, body.UserName);
      return undefined;
    },
    async GetAccessKeyLastUsed(call) {
      const body = input(z.object({ AccessKeyId: accessKeyId }), call.body);
      const { user, key } = await users.accessKeyLastUsed(signed(call.principal), body.AccessKeyId);
      // Never used: no date, and "N/A" for the service and region, as IAM answers.
      return {
        UserName: user.kind === 'root' ? undefined : user.name,
        AccessKeyLastUsed: {
          LastUsedDate: key.lastUsedAt === null ? undefined : new Date(key.lastUsedAt),
          ServiceName: key.lastUsedService ?? 'N/A',
          Region: key.lastUsedRegion ?? 'N/A',
        },
      };
    },
    async DeleteAccessKey(call) {
      const body = input(z.object({ UserName: name.optional(), AccessKeyId: accessKeyId }), call.body);
      await users.deleteAccessKey(signed(call.principal), body.AccessKeyId, body.UserName);
      return undefined;
    },
    async TagUser(call) {
      const body = input(z.object({ UserName: name, Tags: tagList.pipe(z.array(z.any()).min(1)) }), call.body);
      await users.tag(signed(call.principal), body.UserName, body.Tags);
      return undefined;
    },
    async UntagUser(call) {
      const body = input(z.object({ UserName: name, TagKeys: tagKeyList }), call.body);
      await users.untag(signed(call.principal), body.UserName, body.TagKeys);
      return undefined;
    },
    async ListUserTags(call) {
      const body = input(z.object({ UserName: name, Marker: marker, MaxItems: maxItems }), call.body);
      const tags = await users.tags(signed(call.principal), body.UserName);
      const { Tags, ...rest } = listPage(
        call,
        'Tags',
        tags,
        (t) => t.key,
        body,
        (t) => tagsXml([t])[0],
      );
      return { Tags, ...rest };
    },
  };
}
