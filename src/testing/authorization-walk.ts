// The authorization walk's one rule and its one list of exceptions: every action of every face
// (ECR, ECR Public, KMS, IAM, STS) is authorized under its own IAM action name (<prefix>:<Action>),
// except where AWS documents otherwise, listed below with the reason. The matrices
// (http/authorization-matrix*.test.ts, http/iam/authorization-walk.test.ts) take the actions to
// walk from the service models (shared/specs/aws) intersected with what Berth answers.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';

export type Face = 'ecr' | 'ecr-public' | 'kms' | 'iam' | 'sts' | 'cloudtrail';

const PREFIX: Record<Face, string> = {
  ecr: 'ecr',
  'ecr-public': 'ecr-public',
  kms: 'kms',
  iam: 'iam',
  sts: 'sts',
  cloudtrail: 'cloudtrail',
};

export interface Exception {
  /** The IAM actions the call needs (each one denied alone must refuse it); [] when it needs none. */
  actions: string[];
  /** The resource the denial names, where AWS documents a fixed one. */
  resource?: string;
  /** Not walked with signed callers at all (the matrix has its own cases for it). */
  notWalked?: true;
  reason: string;
}

/** Where AWS documents something other than <prefix>:<Action> on the action's own resource. */
export const EXCEPTIONS: Record<string, Exception> = {
  'ecr:GetAuthorizationToken': {
    actions: ['ecr:GetAuthorizationToken'],
    resource: '*',
    reason: 'a registry-wide token: the IAM action takes no resource (Resource "*")',
  },
  'ecr:ListImageReferrers': {
    actions: ['ecr:BatchGetImage'],
    reason:
      'the ECR API reference: "The IAM principal invoking this operation must have the ecr:BatchGetImage permission"',
  },
  'ecr-public:GetAuthorizationToken': {
    actions: ['ecr-public:GetAuthorizationToken', 'sts:GetServiceBearerToken'],
    resource: '*',
    reason:
      "ECR Public's user guide: authenticating needs ecr-public:GetAuthorizationToken and sts:GetServiceBearerToken",
  },
  'cloudtrail:LookupEvents': {
    actions: ['cloudtrail:LookupEvents'],
    resource: '*',
    reason: 'CloudTrail: LookupEvents takes no resource (Resource "*"); it reads the caller\'s account',
  },
  'sts:GetCallerIdentity': { actions: [], reason: 'STS: "No permissions are required to perform this operation"' },
  'sts:AssumeRoleWithWebIdentity': {
    actions: [],
    notWalked: true,
    reason: "unsigned: the web identity token is the credential and the role's trust policy alone decides",
  },
};

/** The IAM actions calling `action` on `face` needs. */
export function requiredActions(face: Face, action: string): string[] {
  return EXCEPTIONS[`${PREFIX[face]}:${action}`]?.actions ?? [`${PREFIX[face]}:${action}`];
}

export function exception(face: Face, action: string): Exception | undefined {
  return EXCEPTIONS[`${PREFIX[face]}:${action}`];
}

const MODEL: Record<Face, string> = { ...PREFIX };

/** The operations of a face's service model; throws when the models are not there. */
export function modelOperations(face: Face): string[] {
  const path = resolve(process.cwd(), '..', 'shared', 'specs', 'aws', `${MODEL[face]}.service-2.json`);
  if (!existsSync(path)) throw new Error(`the ${face} service model is not at ${path}`);
  return Object.keys((JSON.parse(readFileSync(path, 'utf8')) as { operations: object }).operations);
}

/** The actions to walk: the model's, intersected with what Berth answers; the rest named so a test can refuse them. */
export function actionsToWalk(face: Face, answered: readonly string[]): { walk: string[]; notInModel: string[] } {
  const model = new Set(modelOperations(face));
  return { walk: answered.filter((a) => model.has(a)).sort(), notInModel: answered.filter((a) => !model.has(a)) };
}

/** The denial must name the action (and the documented resource): "… is not authorized to perform: <action> on resource: <resource> …". */
export function namesDenial(message: string, action: string, resource?: string): boolean {
  return message.includes(`perform: ${action} on resource: ${resource ?? ''}`);
}
