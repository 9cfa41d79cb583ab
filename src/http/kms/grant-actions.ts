// The key service's grant actions: CreateGrant, ListGrants, ListRetirableGrants, RetireGrant and
// RevokeGrant, parsed and rendered by the KMS model's shapes.
import { z } from 'zod';
import { GRANT_OPERATIONS } from '../../kms/grant-rules.js';
import type { GrantService } from '../../kms/grant-service.js';
import type { KmsGrant } from '../../domain/records/kms.js';
import type { ApiActionTable } from '../aws-json/call.js';
import {
  afterMarker,
  ctx,
  DEFAULT_LIMIT,
  GrantTokens,
  KeyId,
  Limit,
  Marker,
  page,
  parse,
  seconds,
} from './protocol.js';

/** The model's PrincipalIdType. */
const PrincipalId = z
  .string()
  .min(1)
  .max(256)
  .regex(/^[\w+=,.@:/-]+$/, 'a principal is an ARN or a service principal');
const GrantId = z.string().min(1).max(128);
const Constraint = z.record(z.string().min(1).max(2048), z.string().max(2048));
const Constraints = z.object({
  EncryptionContextSubset: Constraint.optional(),
  EncryptionContextEquals: Constraint.optional(),
});

export const grantInputs = {
  CreateGrant: z.object({
    KeyId,
    GranteePrincipal: PrincipalId,
    RetiringPrincipal: PrincipalId.optional(),
    Operations: z.array(z.enum(GRANT_OPERATIONS)),
    Constraints: Constraints.optional(),
    GrantTokens: GrantTokens.optional(),
    Name: z
      .string()
      .min(1)
      .max(256)
      .regex(/^[a-zA-Z0-9:/_-]+$/)
      .optional(),
    DryRun: z.boolean().optional(),
  }),
  ListGrants: z.object({
    KeyId,
    Limit: Limit.optional(),
    Marker: Marker.optional(),
    GrantId: GrantId.optional(),
    GranteePrincipal: PrincipalId.optional(),
  }),
  ListRetirableGrants: z.object({ RetiringPrincipal: PrincipalId, Limit: Limit.optional(), Marker: Marker.optional() }),
  RetireGrant: z.object({
    GrantToken: z.string().min(1).max(8192).optional(),
    KeyId: KeyId.optional(),
    GrantId: GrantId.optional(),
    DryRun: z.boolean().optional(),
  }),
  RevokeGrant: z.object({ KeyId, GrantId, DryRun: z.boolean().optional() }),
};

export function grantActions(grants: GrantService): ApiActionTable {
  /** A GrantListEntry; KeyId is the key's ARN, as KMS gives it. */
  const entry = (keyArn: (grant: KmsGrant) => string) => (grant: KmsGrant) => ({
    KeyId: keyArn(grant),
    GrantId: grant.id,
    ...(grant.name !== null && { Name: grant.name }),
    CreationDate: seconds(grant.createdAt),
    GranteePrincipal: grant.granteePrincipal,
    ...(grant.retiringPrincipal !== null && { RetiringPrincipal: grant.retiringPrincipal }),
    IssuingAccount: `arn:aws:iam::${grant.issuingAccount}:root`,
    Operations: grant.operations,
    ...(grant.constraints && {
      Constraints: {
        ...(grant.constraints.encryptionContextSubset && {
          EncryptionContextSubset: grant.constraints.encryptionContextSubset,
        }),
        ...(grant.constraints.encryptionContextEquals && {
          EncryptionContextEquals: grant.constraints.encryptionContextEquals,
        }),
      },
    }),
  });
  return {
    async CreateGrant(call) {
      const r = parse(grantInputs.CreateGrant, call.body);
      const created = await grants.create(ctx(call), {
        keyId: r.KeyId,
        granteePrincipal: r.GranteePrincipal,
        operations: r.Operations,
        ...(r.RetiringPrincipal !== undefined && { retiringPrincipal: r.RetiringPrincipal }),
        ...(r.Name !== undefined && { name: r.Name }),
        ...(r.DryRun !== undefined && { dryRun: r.DryRun }),
        ...(r.Constraints && {
          constraints: {
            ...(r.Constraints.EncryptionContextSubset && {
              encryptionContextSubset: r.Constraints.EncryptionContextSubset,
            }),
            ...(r.Constraints.EncryptionContextEquals && {
              encryptionContextEquals: r.Constraints.EncryptionContextEquals,
            }),
          },
        }),
      });
      return { GrantToken: created.grantToken, GrantId: created.grantId };
    },
    async ListGrants(call) {
      const r = parse(grantInputs.ListGrants, call.body);
      const limit = r.Limit ?? DEFAULT_LIMIT;
      const listing = [call.principal.accountId, r.KeyId, r.GrantId ?? null, r.GranteePrincipal ?? null];
      const { key, grants: rows } = await grants.list(
        ctx(call),
        r.KeyId,
        {
          ...(r.GrantId !== undefined && { grantId: r.GrantId }),
          ...(r.GranteePrincipal !== undefined && { granteePrincipal: r.GranteePrincipal }),
        },
        afterMarker(call, listing, r.Marker),
        limit + 1,
      );
      const { items, ...rest } = page(call, listing, rows, limit, (g) => g.id);
      return { Grants: items.map(entry(() => key.arn)), ...rest };
    },
    async ListRetirableGrants(call) {
      const r = parse(grantInputs.ListRetirableGrants, call.body);
      const limit = r.Limit ?? DEFAULT_LIMIT;
      const listing = [call.principal.accountId, r.RetiringPrincipal];
      const { items, ...rest } = page(
        call,
        listing,
        await grants.listRetirable(ctx(call), r.RetiringPrincipal, afterMarker(call, listing, r.Marker), limit + 1),
        limit,
        (g) => g.id,
      );
      const arns = await grants.keyArns(items);
      return { Grants: items.map(entry((grant) => arns.get(grant.keyId) ?? grant.keyId)), ...rest };
    },
    async RetireGrant(call) {
      const r = parse(grantInputs.RetireGrant, call.body);
      await grants.retire(ctx(call), {
        ...(r.GrantToken !== undefined && { grantToken: r.GrantToken }),
        ...(r.KeyId !== undefined && { keyId: r.KeyId }),
        ...(r.GrantId !== undefined && { grantId: r.GrantId }),
        ...(r.DryRun !== undefined && { dryRun: r.DryRun }),
      });
      return {};
    },
    async RevokeGrant(call) {
      const r = parse(grantInputs.RevokeGrant, call.body);
      await grants.revoke(ctx(call), r.KeyId, r.GrantId, { ...(r.DryRun !== undefined && { dryRun: r.DryRun }) });
      return {};
    },
  };
}
