// STS: GetCallerIdentity, AssumeRole and AssumeRoleWithWebIdentity (the one STS action called
// without a signature: the web identity token is the credential).
import { z } from 'zod';
import { signed } from '../../../iam/iam-access.js';
import type { AssumedRole, StsService } from '../../../iam/sts.js';
import { input, type IamActionTable } from '../call.js';
import { IamError } from '../errors.js';
import { tagList, unsupported } from '../shapes.js';
import type { XmlValue } from '../xml.js';

const roleArn = z.string().min(20).max(2048);
// The STS model's RoleSessionName: 2 to 64 of these characters (refused in AWS's words).
const sessionName = z
  .string()
  .min(2)
  .max(64)
  .regex(/^[\w+=,.@-]*$/);
const duration = z.coerce.number().int().optional();
/** The session policies (sts.service-2.json sessionPolicyDocumentType, policyDescriptorListType). */
const sessionPolicy = z
  .string()
  .min(1)
  .max(2048)
  .regex(
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the model's own pattern names tab, LF and CR.
    /^[\u0009\u000A\u000D\u0020-\u00FF]+$/,
    'Member must satisfy regular expression pattern: [\\u0009\\u000A\\u000D\\u0020-\\u00FF]+',
  )
  .optional();
const policyArns = z
  .array(z.object({ arn: z.string().min(20).max(2048) }))
  .optional()
  .transform((list) => list?.map((p) => p.arn));

function assumed(result: AssumedRole): { [name: string]: XmlValue } {
  const { credentials } = result;
  return {
    Credentials: {
      AccessKeyId: credentials.accessKeyId,
      SecretAccessKey: credentials.secretAccessKey,
      SessionToken: credentials.sessionToken,
      Expiration: new Date(credentials.expiresAt),
    },
    AssumedRoleUser: { AssumedRoleId: result.assumedRoleId, Arn: result.arn },
    PackedPolicySize: result.packedPolicySize,
  };
}

export function stsActions(sts: StsService): IamActionTable {
  return {
    async GetCallerIdentity(call) {
      input(z.object({}), call.body);
      const identity = sts.callerIdentity(signed(call.principal));
      return { UserId: identity.userId, Account: identity.account, Arn: identity.arn };
    },
    async AssumeRole(call) {
      const body = input(
        z.object({
          RoleArn: roleArn,
          RoleSessionName: sessionName,
          DurationSeconds: duration,
          Tags: tagList,
          TransitiveTagKeys: z.array(z.string()).optional(),
          ExternalId: z.string().min(2).max(1224).optional(),
          SourceIdentity: z.string().optional(),
          Policy: sessionPolicy,
          PolicyArns: policyArns,
          SerialNumber: unsupported('MFA'),
          TokenCode: unsupported('MFA'),
        }),
        call.body,
      );
      if (body.SourceIdentity !== undefined)
        throw new IamError('ValidationError', 'SourceIdentity is not supported by Berth');
      const result = await sts.assumeRole(signed(call.principal), {
        roleArn: body.RoleArn,
        sessionName: body.RoleSessionName,
        facts: call.facts,
        ...(body.DurationSeconds !== undefined && { durationSeconds: body.DurationSeconds }),
        ...(body.Tags && { tags: body.Tags }),
        ...(body.ExternalId !== undefined && { externalId: body.ExternalId }),
        ...(body.Policy !== undefined && { policy: body.Policy }),
        ...(body.PolicyArns && { policyArns: body.PolicyArns }),
      });
      return assumed(result);
    },
    async AssumeRoleWithWebIdentity(call) {
      const body = input(
        z.object({
          RoleArn: roleArn,
          RoleSessionName: sessionName,
          WebIdentityToken: z.string().min(4).max(20000),
          DurationSeconds: duration,
          ProviderId: unsupported('ProviderId (OAuth 2.0 providers)'),
          Policy: sessionPolicy,
          PolicyArns: policyArns,
        }),
        call.body,
      );
      const result = await sts.assumeRoleWithWebIdentity({
        roleArn: body.RoleArn,
        sessionName: body.RoleSessionName,
        token: body.WebIdentityToken,
        facts: call.facts,
        ...(body.DurationSeconds !== undefined && { durationSeconds: body.DurationSeconds }),
        ...(body.Policy !== undefined && { policy: body.Policy }),
        ...(body.PolicyArns && { policyArns: body.PolicyArns }),
      });
      const { Credentials, AssumedRoleUser, PackedPolicySize } = assumed(result);
      return {
        Credentials,
        SubjectFromWebIdentityToken: result.subject,
        AssumedRoleUser,
        PackedPolicySize,
        Provider: result.provider,
        Audience: result.audience,
      };
    },
  };
}
