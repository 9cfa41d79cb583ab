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
const sessionName = z.string().min(2).max(64);
const duration = z.coerce.number().int().optional();
/** Session policies would narrow a session's rights; Berth refuses them rather than ignore them. */
const noSessionPolicy = unsupported('session policies (Policy, PolicyArns)');

function assumed(result: AssumedRole): { [name: string]: XmlValue } {
  const { credentials } = result;
  return {
    Credentials: {
      AccessKeyId: credentials.accessKeyId, SecretAccessKey: credentials.secretAccessKey, SessionToken: credentials.sessionToken,
      Expiration: new Date(credentials.expiresAt),
    },
    AssumedRoleUser: { AssumedRoleId: result.assumedRoleId, Arn: result.arn },
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
      const body = input(z.object({
        RoleArn: roleArn, RoleSessionName: sessionName, DurationSeconds: duration, Tags: tagList,
        TransitiveTagKeys: z.array(z.string()).optional(), ExternalId: z.string().min(2).max(1224).optional(),
        SourceIdentity: z.string().optional(), Policy: noSessionPolicy, PolicyArns: noSessionPolicy,
        SerialNumber: unsupported('MFA'), TokenCode: unsupported('MFA'),
      }), call.body);
      if (body.SourceIdentity !== undefined) throw new IamError('ValidationError', 'SourceIdentity is not supported by Berth');
      const result = await sts.assumeRole(signed(call.principal), {
        roleArn: body.RoleArn, sessionName: body.RoleSessionName, facts: call.facts,
        ...(body.DurationSeconds !== undefined && { durationSeconds: body.DurationSeconds }), ...(body.Tags && { tags: body.Tags }),
        ...(body.ExternalId !== undefined && { externalId: body.ExternalId }),
      });
      return assumed(result);
    },
    async AssumeRoleWithWebIdentity(call) {
      const body = input(z.object({
        RoleArn: roleArn, RoleSessionName: sessionName, WebIdentityToken: z.string().min(4).max(20000), DurationSeconds: duration,
        ProviderId: unsupported('ProviderId (OAuth 2.0 providers)'),
        Policy: noSessionPolicy, PolicyArns: noSessionPolicy,
      }), call.body);
      const result = await sts.assumeRoleWithWebIdentity({
        roleArn: body.RoleArn, sessionName: body.RoleSessionName, token: body.WebIdentityToken, facts: call.facts,
        ...(body.DurationSeconds !== undefined && { durationSeconds: body.DurationSeconds }),
      });
      const { Credentials, AssumedRoleUser } = assumed(result);
      return { Credentials, SubjectFromWebIdentityToken: result.subject, AssumedRoleUser, Provider: result.provider, Audience: result.audience };
    },
  };
}
