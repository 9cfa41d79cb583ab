// Identity-based policies: inline user and role policies (Put/Get/List/Delete), customer managed
// policies (CreatePolicy, GetPolicy, GetPolicyVersion, ListPolicies, DeletePolicy) and their
// attachments to users and roles (Attach/Detach, ListAttached…Policies).
import { z } from 'zod';
import { signed } from '../../../iam/iam-access.js';
import type { IamPolicyService, OwnerRef, PolicyInfo } from '../../../iam/iam-policies.js';
import { input, type IamActionTable } from '../call.js';
import { IamError } from '../errors.js';
import { listPage, marker, maxItems, name, policyText, tagList } from '../shapes.js';
import type { XmlValue } from '../xml.js';

const policyName = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[\w+=,.@-]+$/, 'Member must satisfy regular expression pattern: [\\w+=,.@-]+');
const document = z.string().min(1).max(131072);
const arn = z.string().min(20).max(2048);
const path = z.string().min(1).max(512).optional();
const bool = z
  .enum(['true', 'false'])
  .transform((v) => v === 'true')
  .optional();

function policyXml(policy: PolicyInfo): { [name: string]: XmlValue } {
  return {
    PolicyName: policy.name,
    PolicyId: policy.id,
    Arn: policy.arn,
    Path: policy.path,
    DefaultVersionId: 'v1',
    AttachmentCount: policy.attachmentCount,
    PermissionsBoundaryUsageCount: 0,
    IsAttachable: true,
    Description: policy.description ?? undefined,
    CreateDate: new Date(policy.createdAt),
    UpdateDate: new Date(policy.updatedAt),
  };
}

/** The four inline policy actions of one owner type, named as IAM names them. */
function inlineActions(policies: IamPolicyService, type: OwnerRef['type']): IamActionTable {
  const Type = type === 'user' ? 'User' : 'Role';
  const owner = z.object({ [`${Type}Name`]: name });
  const ownerOf = (body: Record<string, unknown>): OwnerRef => ({ type, name: body[`${Type}Name`] as string });
  return {
    async [`Put${Type}Policy`](call) {
      const body = input(owner.extend({ PolicyName: policyName, PolicyDocument: document }), call.body);
      await policies.putInline(signed(call.principal), ownerOf(body), body.PolicyName!, body.PolicyDocument!);
      return undefined;
    },
    async [`Get${Type}Policy`](call) {
      const body = input(owner.extend({ PolicyName: policyName }), call.body);
      const text = await policies.getInline(signed(call.principal), ownerOf(body), body.PolicyName!);
      return { [`${Type}Name`]: ownerOf(body).name, PolicyName: body.PolicyName!, PolicyDocument: policyText(text) };
    },
    async [`List${Type}Policies`](call) {
      const body = input(owner.extend({ Marker: marker, MaxItems: maxItems }), call.body);
      const names = await policies.listInline(signed(call.principal), ownerOf(body));
      return listPage(
        call,
        'PolicyNames',
        names,
        (n) => n,
        body,
        (n) => n,
      );
    },
    async [`Delete${Type}Policy`](call) {
      const body = input(owner.extend({ PolicyName: policyName }), call.body);
      await policies.deleteInline(signed(call.principal), ownerOf(body), body.PolicyName!);
      return undefined;
    },
    async [`Attach${Type}Policy`](call) {
      const body = input(owner.extend({ PolicyArn: arn }), call.body);
      await policies.attach(signed(call.principal), ownerOf(body), body.PolicyArn!);
      return undefined;
    },
    async [`Detach${Type}Policy`](call) {
      const body = input(owner.extend({ PolicyArn: arn }), call.body);
      await policies.detach(signed(call.principal), ownerOf(body), body.PolicyArn!);
      return undefined;
    },
    async [`ListAttached${Type}Policies`](call) {
      const body = input(owner.extend({ PathPrefix: path, Marker: marker, MaxItems: maxItems }), call.body);
      const attached = await policies.attached(signed(call.principal), ownerOf(body));
      return listPage(
        call,
        'AttachedPolicies',
        attached,
        (p) => p.arn,
        body,
        (p) => ({ PolicyName: p.name, PolicyArn: p.arn }),
      );
    },
  };
}

export function policyActions(policies: IamPolicyService): IamActionTable {
  return {
    ...inlineActions(policies, 'user'),
    ...inlineActions(policies, 'role'),
    async CreatePolicy(call) {
      const body = input(
        z.object({
          PolicyName: policyName,
          PolicyDocument: document,
          Path: path,
          Description: z.string().max(1000).optional(),
          Tags: tagList,
        }),
        call.body,
      );
      if (body.Tags && body.Tags.length > 0) throw new IamError('InvalidInput', 'Berth does not keep tags on policies');
      const policy = await policies.create(signed(call.principal), {
        name: body.PolicyName,
        document: body.PolicyDocument,
        ...(body.Path !== undefined && { path: body.Path }),
        ...(body.Description !== undefined && { description: body.Description }),
      });
      return { Policy: policyXml(policy) };
    },
    async GetPolicy(call) {
      const body = input(z.object({ PolicyArn: arn }), call.body);
      return { Policy: policyXml(await policies.get(signed(call.principal), body.PolicyArn)) };
    },
    async GetPolicyVersion(call) {
      const body = input(
        z.object({ PolicyArn: arn, VersionId: z.string().regex(/^v[1-9][0-9]*(\.[A-Za-z0-9-]*)?$/) }),
        call.body,
      );
      const policy = await policies.get(signed(call.principal), body.PolicyArn, 'iam:GetPolicyVersion');
      // Berth keeps one version of a policy: v1, its default.
      if (body.VersionId !== 'v1')
        throw new IamError(
          'NoSuchEntity',
          `Policy ${body.PolicyArn} version ${body.VersionId} does not exist or is not attachable.`,
        );
      return {
        PolicyVersion: {
          Document: policyText(policy.text),
          VersionId: 'v1',
          IsDefaultVersion: true,
          CreateDate: new Date(policy.createdAt),
        },
      };
    },
    async ListPolicies(call) {
      const body = input(
        z.object({
          Scope: z.enum(['All', 'AWS', 'Local']).optional(),
          OnlyAttached: bool,
          PathPrefix: path,
          PolicyUsageFilter: z.enum(['PermissionsPolicy', 'PermissionsBoundary']).optional(),
          Marker: marker,
          MaxItems: maxItems,
        }),
        call.body,
      );
      const list =
        body.PolicyUsageFilter === 'PermissionsBoundary'
          ? []
          : await policies.list(signed(call.principal), body.Scope ?? 'All', body.OnlyAttached ?? false);
      const prefix = body.PathPrefix ?? '/';
      return listPage(
        call,
        'Policies',
        list.filter((p) => p.path.startsWith(prefix)),
        (p) => p.arn,
        body,
        policyXml,
      );
    },
    async DeletePolicy(call) {
      const body = input(z.object({ PolicyArn: arn }), call.body);
      await policies.delete(signed(call.principal), body.PolicyArn);
      return undefined;
    },
  };
}
