// The query protocol face through app.inject with requests signed by the AWS SDK's signer: form
// bodies in, XML out, every answer held against the IAM and STS models member for member (result
// wrappers, lists as <member>, error codes and statuses), pagination, and the signing rules.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { after, before, describe, it, test } from 'node:test';
import { signHeaders, type Credentials } from '../../testing/aws-signer.js';
import { startBerth, TEST_ADMIN, type TestBerth } from '../../testing/server.js';
import { COMMON_ERRORS, MODEL_ERRORS } from './errors.js';

interface Shape {
  type: string;
  members?: Record<string, { shape: string }>;
  member?: { shape: string };
  error?: { code?: string; httpStatusCode?: number };
  exception?: boolean;
}
interface Model {
  operations: Record<string, { output?: { shape: string; resultWrapper?: string }; errors?: { shape: string }[] }>;
  shapes: Record<string, Shape>;
}

const path = (name: string) => resolve(process.cwd(), '..', 'shared', 'specs', 'aws', `${name}.service-2.json`);
const models =
  existsSync(path('iam')) && existsSync(path('sts'))
    ? {
        iam: JSON.parse(readFileSync(path('iam'), 'utf8')) as Model,
        sts: JSON.parse(readFileSync(path('sts'), 'utf8')) as Model,
      }
    : undefined;
if (!models && process.env.CI === 'true')
  test('the IAM and STS models are present under CI', () => assert.fail(`${path('iam')} is missing`));
const skip = models ? false : 'the IAM and STS models are not in ../shared/specs/aws';

/** An element of the answer: its name, children, and text. */
interface Element {
  name: string;
  children: Element[];
  text: string;
}

/** Parses the XML Berth writes (no attributes but xmlns, no CDATA, entities escaped). */
function parseXml(xml: string): Element {
  const body = xml.replace(/^<\?xml[^>]*\?>\s*/, '');
  let at = 0;
  const node = (): Element => {
    const open = /^<([A-Za-z][\w.-]*)(?:\s+xmlns="[^"]*")?>/.exec(body.slice(at));
    assert.ok(open, `an element at ${at}: ${body.slice(at, at + 40)}`);
    at += open[0].length;
    const element: Element = { name: open[1]!, children: [], text: '' };
    while (!body.startsWith(`</${element.name}>`, at)) {
      if (body[at] === '<') element.children.push(node());
      else {
        const next = body.indexOf('<', at);
        element.text += body
          .slice(at, next)
          .replace(/&lt;/g, '<')
          .replace(/&gt;/g, '>')
          .replace(/&quot;/g, '"')
          .replace(/&apos;/g, "'")
          .replace(/&amp;/g, '&');
        at = next;
      }
    }
    at += element.name.length + 3;
    return element;
  };
  return node();
}

/** Throws unless `element`'s content is an instance of `shapeName` in `model`. */
function conforms(model: Model, shapeName: string, element: Element, where: string): void {
  const shape = model.shapes[shapeName]!;
  if (shape.type === 'structure') {
    for (const child of element.children) {
      const member = shape.members?.[child.name];
      assert.ok(member, `${where}: ${child.name} is not a member of ${shapeName}`);
      conforms(model, member.shape, child, `${where}.${child.name}`);
    }
  } else if (shape.type === 'list') {
    for (const child of element.children) {
      assert.equal(child.name, 'member', `${where}: list items are <member>`);
      conforms(model, shape.member!.shape, child, `${where}[]`);
    }
  } else {
    assert.equal(element.children.length, 0, `${where}: a ${shape.type} has no elements`);
    if (shape.type === 'timestamp')
      assert.match(element.text, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/, `${where}: ISO 8601`);
    if (shape.type === 'boolean') assert.match(element.text, /^(true|false)$/, where);
    if (shape.type === 'integer') assert.match(element.text, /^-?\d+$/, where);
  }
}

let served: TestBerth;
let account: string;
const host = 'localhost:5000';

async function call(
  action: string,
  params: Record<string, string> = {},
  options: { service?: 'iam' | 'sts'; credentials?: Credentials | null; region?: string } = {},
) {
  const service =
    options.service ??
    (['GetCallerIdentity', 'AssumeRole', 'AssumeRoleWithWebIdentity'].includes(action) ? 'sts' : 'iam');
  const version = service === 'iam' ? '2010-05-08' : '2011-06-15';
  const body = new URLSearchParams({ Action: action, Version: version, ...params }).toString();
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' };
  const signed =
    options.credentials === null
      ? { host, ...headers }
      : await signHeaders(
          { method: 'POST', url: '/', host, headers, body },
          {
            service,
            region: options.region ?? 'us-east-1',
            ...(options.credentials && { credentials: options.credentials }),
          },
        );
  const response = await served.berth.app.inject({ method: 'POST', url: '/', headers: signed, payload: body });
  const xml = parseXml(response.body);
  return { status: response.statusCode, xml, raw: response.body, service, action };
}

/** The answer's result, checked against the model's output shape. */
async function ok(
  action: string,
  params: Record<string, string> = {},
  options: Parameters<typeof call>[2] = {},
): Promise<Element | undefined> {
  const answer = await call(action, params, options);
  assert.equal(answer.status, 200, answer.raw);
  const model = models![answer.service];
  assert.equal(answer.xml.name, `${action}Response`);
  const result = answer.xml.children.find((c) => c.name === `${action}Result`);
  const metadata = answer.xml.children.find((c) => c.name === 'ResponseMetadata');
  assert.match(metadata?.children[0]?.text ?? '', /^[0-9a-f-]{36}$/, 'a RequestId');
  const output = model.operations[action]!.output;
  if (!output) {
    assert.equal(result, undefined, `${action} has no output`);
    return undefined;
  }
  assert.equal(output.resultWrapper, `${action}Result`);
  assert.ok(result, `${action} answers <${action}Result>`);
  conforms(model, output.shape, result, action);
  return result;
}

/** The error answer, checked against the model: the code belongs to the action's errors (or the protocol's), with its status. */
async function fails(
  action: string,
  params: Record<string, string>,
  code: string,
  options: Parameters<typeof call>[2] = {},
): Promise<string> {
  const answer = await call(action, params, options);
  assert.equal(answer.xml.name, 'ErrorResponse', answer.raw);
  const error = answer.xml.children.find((c) => c.name === 'Error')!;
  const field = (name: string) => error.children.find((c) => c.name === name)?.text;
  assert.equal(field('Code'), code, answer.raw);
  assert.equal(field('Type'), answer.status >= 500 ? 'Receiver' : 'Sender');
  const model = models![answer.service];
  const declared = (model.operations[action]?.errors ?? []).map((e) => model.shapes[e.shape]!.error?.code);
  if (!(code in COMMON_ERRORS))
    assert.ok(declared.includes(code), `${code} is one of ${action}'s errors in the model: ${declared.join(', ')}`);
  return field('Message')!;
}

const field = (element: Element | undefined, ...names: string[]): Element | undefined => {
  let at = element;
  for (const name of names) at = at?.children.find((c) => c.name === name);
  return at;
};

before(async () => {
  served = await startBerth({ listen: false, settings: { auth: { mode: 'iam' } } });
  account = served.berth.accountId;
});
after(() => served.close());

describe('the IAM and STS query protocol', { skip }, () => {
  it("the error catalogue is the models': every model code with the model's status", () => {
    for (const [code, status] of Object.entries(MODEL_ERRORS)) {
      const shapes = [...Object.values(models!.iam.shapes), ...Object.values(models!.sts.shapes)].filter(
        (s) => s.exception && s.error?.code === code,
      );
      assert.ok(shapes.length > 0, `${code} is an error code of the IAM or STS model`);
      for (const shape of shapes) assert.equal(shape.error!.httpStatusCode, status, code);
    }
  });

  it("answers CreateUser, GetUser, ListUsers with the model's shapes; tags travel as Tags.member.N", async () => {
    const created = await ok('CreateUser', {
      UserName: 'q-alice',
      'Tags.member.1.Key': 'team',
      'Tags.member.1.Value': 'a b+c@d',
    });
    assert.equal(field(created, 'User', 'Arn')?.text, `arn:aws:iam::${account}:user/q-alice`);
    const got = await ok('GetUser', { UserName: 'q-alice' });
    assert.equal(field(got, 'User', 'Tags', 'member', 'Value')?.text, 'a b+c@d');
    const me = await ok('GetUser');
    assert.equal(field(me, 'User', 'Arn')?.text, `arn:aws:iam::${account}:root`);
    assert.equal(field(me, 'User', 'UserName'), undefined, 'the root has no user name');
    await fails('CreateUser', { UserName: 'q-alice' }, 'EntityAlreadyExists');
    await fails('CreateUser', { UserName: 'Q-Alice' }, 'EntityAlreadyExists');
    await fails('CreateUser', { UserName: 'q bad' }, 'ValidationError');
    await fails('GetUser', { UserName: 'q-nobody' }, 'NoSuchEntity');
  });

  it('pages with MaxItems, Marker and IsTruncated until the last page', async () => {
    for (const name of ['q-p3', 'q-p1', 'q-p2']) await ok('CreateUser', { UserName: name });
    const names: string[] = [];
    let marker: string | undefined;
    let pages = 0;
    do {
      const page = await ok('ListUsers', { MaxItems: '2', ...(marker && { Marker: marker }) });
      names.push(...(field(page, 'Users')?.children ?? []).map((u) => field(u, 'UserName')!.text));
      const truncated = field(page, 'IsTruncated')!.text === 'true';
      marker = truncated ? field(page, 'Marker')!.text : undefined;
      assert.equal(field(page, 'Marker') !== undefined, truncated, 'a Marker exactly when truncated');
      pages += 1;
    } while (marker);
    assert.deepEqual(
      names.filter((n) => n.startsWith('q-p')),
      ['q-p1', 'q-p2', 'q-p3'],
    );
    assert.ok(pages >= 2);
    await fails('ListUsers', { Marker: 'not-a-marker' }, 'ValidationError');
    await fails('ListUsers', { MaxItems: '0' }, 'ValidationError');
  });

  it('a Marker pages only the listing it came from and cannot be made up or altered', async () => {
    for (const name of ['q-m1', 'q-m2']) await ok('CreateUser', { UserName: name });
    const names = (element: Element | undefined) =>
      field(element, 'Users')!.children.map((u) => field(u, 'UserName')!.text);
    const all = names(await ok('ListUsers', { PathPrefix: '/' }));
    const first = await ok('ListUsers', { PathPrefix: '/', MaxItems: '1' });
    const marker = field(first, 'Marker')!.text;
    const next = await ok('ListUsers', { PathPrefix: '/', MaxItems: '1', Marker: marker });
    assert.deepEqual([...names(first), ...names(next)], all.slice(0, 2), 'the same listing continues');
    const refused =
      "1 validation error detected: Value '" +
      marker +
      "' at 'marker' failed to satisfy constraint: Member must be the Marker of a previous response to the same request";
    assert.equal(
      await fails('ListUsers', { PathPrefix: '/other/', Marker: marker }, 'ValidationError'),
      refused,
      'another path prefix',
    );
    assert.equal(await fails('ListUsers', { Marker: marker }, 'ValidationError'), refused, 'no path prefix');
    assert.equal(
      await fails('ListRoles', { PathPrefix: '/', Marker: marker }, 'ValidationError'),
      refused,
      'another action',
    );
    const tags = await ok('ListUserTags', { UserName: 'q-m1', MaxItems: '1' });
    assert.equal(field(tags, 'IsTruncated')!.text, 'false');
    // A Marker anyone can write (the last name, encoded) and one altered by a character are refused.
    await fails(
      'ListUsers',
      { Marker: Buffer.from(JSON.stringify({ l: 'q-m1' })).toString('base64url') },
      'ValidationError',
    );
    await fails(
      'ListUsers',
      { Marker: Buffer.from(JSON.stringify({ cursor: 'q-m1' })).toString('base64url') },
      'ValidationError',
    );
    const [payload, signature] = marker.split('.');
    const forged = `${Buffer.from(JSON.stringify({ cursor: '' })).toString('base64url')}.${signature!}`;
    await fails('ListUsers', { PathPrefix: '/', Marker: forged }, 'ValidationError');
    const altered = `${payload!}.${signature!.slice(0, -2)}${signature!.at(-2) === 'A' ? 'B' : 'A'}${signature!.at(-1)!}`;
    await fails('ListUsers', { PathPrefix: '/', Marker: altered }, 'ValidationError');
  });

  it('ValidationError words every bad member, its value and the constraint as AWS does', async () => {
    assert.equal(
      await fails('ListUsers', { MaxItems: '2000' }, 'ValidationError'),
      "1 validation error detected: Value '2000' at 'maxItems' failed to satisfy constraint: Member must have value less than or equal to 1000",
    );
    assert.equal(
      await fails('CreateUser', {}, 'ValidationError'),
      "1 validation error detected: Value null at 'userName' failed to satisfy constraint: Member must not be null",
    );
    assert.equal(
      await fails('CreateUser', { UserName: 'q/bad', Path: '' }, 'ValidationError'),
      "2 validation errors detected: Value 'q/bad' at 'userName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+; " +
        "Value '' at 'path' failed to satisfy constraint: Member must have length greater than or equal to 1",
    );
  });

  it("roles, role policies, managed policies and OIDC providers answer in the models' shapes", async () => {
    const trust = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: 'sts:AssumeRole' }],
    });
    const role = await ok('CreateRole', {
      RoleName: 'q-role',
      AssumeRolePolicyDocument: trust,
      Description: 'query test',
      'Tags.member.1.Key': 'k',
      'Tags.member.1.Value': 'v',
    });
    assert.equal(
      decodeURIComponent(field(role, 'Role', 'AssumeRolePolicyDocument')!.text),
      trust,
      'documents travel URL-encoded',
    );
    await ok('GetRole', { RoleName: 'q-role' });
    await ok('ListRoles');
    await ok('ListRoleTags', { RoleName: 'q-role' });
    await ok('UpdateAssumeRolePolicy', { RoleName: 'q-role', PolicyDocument: trust });
    const identity = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 'ecr:BatchGetImage', Resource: '*' }],
    });
    await ok('PutRolePolicy', { RoleName: 'q-role', PolicyName: 'read', PolicyDocument: identity });
    await ok('GetRolePolicy', { RoleName: 'q-role', PolicyName: 'read' });
    await ok('ListRolePolicies', { RoleName: 'q-role' });
    const policy = await ok('CreatePolicy', { PolicyName: 'q-policy', PolicyDocument: identity });
    const arn = field(policy, 'Policy', 'Arn')!.text;
    await ok('GetPolicy', { PolicyArn: arn });
    await ok('GetPolicyVersion', { PolicyArn: arn, VersionId: 'v1' });
    await fails('GetPolicyVersion', { PolicyArn: arn, VersionId: 'v2' }, 'NoSuchEntity');
    await ok('ListPolicies', { Scope: 'Local' });
    await ok('AttachRolePolicy', { RoleName: 'q-role', PolicyArn: arn });
    await ok('ListAttachedRolePolicies', { RoleName: 'q-role' });
    await fails('DeletePolicy', { PolicyArn: arn }, 'DeleteConflict');
    await fails('DeleteRole', { RoleName: 'q-role' }, 'DeleteConflict');
    await ok('DetachRolePolicy', { RoleName: 'q-role', PolicyArn: arn });
    await ok('DeleteRolePolicy', { RoleName: 'q-role', PolicyName: 'read' });
    await ok('DeletePolicy', { PolicyArn: arn });
    await ok('DeleteRole', { RoleName: 'q-role' });
    await fails('GetRole', { RoleName: 'q-role' }, 'NoSuchEntity');
    await fails('PutRolePolicy', { RoleName: 'q-role', PolicyName: 'read', PolicyDocument: identity }, 'NoSuchEntity');

    const created = await ok('CreateOpenIDConnectProvider', {
      Url: 'https://issuer.example/q',
      'ClientIDList.member.1': 'a',
      'ClientIDList.member.2': 'b',
    });
    const providerArn = field(created, 'OpenIDConnectProviderArn')!.text;
    assert.equal(providerArn, `arn:aws:iam::${account}:oidc-provider/issuer.example/q`);
    const provider = await ok('GetOpenIDConnectProvider', { OpenIDConnectProviderArn: providerArn });
    assert.deepEqual(
      field(provider, 'ClientIDList')!.children.map((c) => c.text),
      ['a', 'b'],
    );
    await ok('ListOpenIDConnectProviders');
    await fails('CreateOpenIDConnectProvider', { Url: 'https://issuer.example/q' }, 'EntityAlreadyExists');
    await ok('DeleteOpenIDConnectProvider', { OpenIDConnectProviderArn: providerArn });
    await fails('GetOpenIDConnectProvider', { OpenIDConnectProviderArn: providerArn }, 'NoSuchEntity');
  });

  it('a trust policy naming a user, role or OIDC provider that does not exist is MalformedPolicyDocument, as IAM says it', async () => {
    const trust = (principal: object) =>
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: principal, Action: 'sts:AssumeRole' }],
      });
    for (const [principal, named] of [
      [{ AWS: `arn:aws:iam::${account}:user/q-nobody` }, `"AWS":"arn:aws:iam::${account}:user/q-nobody"`],
      [{ AWS: `arn:aws:iam::${account}:role/q-no-role` }, `"AWS":"arn:aws:iam::${account}:role/q-no-role"`],
      [
        { AWS: `arn:aws:sts::${account}:assumed-role/q-no-role/session` },
        `"AWS":"arn:aws:sts::${account}:assumed-role/q-no-role/session"`,
      ],
      [
        { Federated: `arn:aws:iam::${account}:oidc-provider/issuer.example/none` },
        `"Federated":"arn:aws:iam::${account}:oidc-provider/issuer.example/none"`,
      ],
    ] as const) {
      assert.equal(
        await fails(
          'CreateRole',
          { RoleName: 'q-trusting', AssumeRolePolicyDocument: trust(principal) },
          'MalformedPolicyDocument',
        ),
        `Invalid principal in policy: ${named}`,
      );
    }
    await fails('GetRole', { RoleName: 'q-trusting' }, 'NoSuchEntity');
    // What exists, accounts, services and "*" are taken.
    await ok('CreateUser', { UserName: 'q-trusted' });
    await ok('CreateRole', {
      RoleName: 'q-trusting',
      AssumeRolePolicyDocument: trust({
        AWS: [`arn:aws:iam::${account}:user/q-trusted`, '999999999999', '*'],
        Service: 'ec2.amazonaws.com',
      }),
    });
    const role = trust({ AWS: `arn:aws:iam::${account}:role/q-trusting` });
    await ok('UpdateAssumeRolePolicy', { RoleName: 'q-trusting', PolicyDocument: role });
    await fails(
      'UpdateAssumeRolePolicy',
      { RoleName: 'q-trusting', PolicyDocument: trust({ AWS: `arn:aws:iam::${account}:user/q-gone` }) },
      'MalformedPolicyDocument',
    );
    assert.equal(
      decodeURIComponent(
        field(await ok('GetRole', { RoleName: 'q-trusting' }), 'Role', 'AssumeRolePolicyDocument')!.text,
      ),
      role,
      'nothing stored',
    );
    await ok('DeleteRole', { RoleName: 'q-trusting' });
    await ok('DeleteUser', { UserName: 'q-trusted' });
  });

  it("STS answers GetCallerIdentity and AssumeRole; the session's credentials sign requests with X-Amz-Security-Token", async () => {
    await ok('CreateUser', { UserName: 'q-bob' });
    const key = await ok('CreateAccessKey', { UserName: 'q-bob' });
    const bob = {
      accessKeyId: field(key, 'AccessKey', 'AccessKeyId')!.text,
      secretAccessKey: field(key, 'AccessKey', 'SecretAccessKey')!.text,
    };
    const trust = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${account}:user/q-bob` },
          Action: ['sts:AssumeRole', 'sts:TagSession'],
        },
      ],
    });
    await ok('CreateRole', { RoleName: 'q-sts', AssumeRolePolicyDocument: trust });
    const assumed = await ok(
      'AssumeRole',
      {
        RoleArn: `arn:aws:iam::${account}:role/q-sts`,
        RoleSessionName: 's1',
        'Tags.member.1.Key': 'project',
        'Tags.member.1.Value': 'web',
      },
      { credentials: bob },
    );
    const credentials = {
      accessKeyId: field(assumed, 'Credentials', 'AccessKeyId')!.text,
      secretAccessKey: field(assumed, 'Credentials', 'SecretAccessKey')!.text,
      sessionToken: field(assumed, 'Credentials', 'SessionToken')!.text,
    };
    const identity = await ok('GetCallerIdentity', {}, { credentials });
    assert.equal(field(identity, 'Arn')!.text, `arn:aws:sts::${account}:assumed-role/q-sts/s1`);
    await fails('GetCallerIdentity', {}, 'InvalidClientTokenId', {
      credentials: { ...credentials, sessionToken: field(key, 'AccessKey', 'SecretAccessKey')!.text },
    });
    await fails('CreateAccessKey', {}, 'ValidationError', { credentials });
    await fails(
      'AssumeRole',
      { RoleArn: `arn:aws:iam::${account}:role/q-sts`, RoleSessionName: 's2' },
      'AccessDenied',
      { credentials: TEST_ADMIN },
    );
    await fails(
      'AssumeRole',
      { RoleArn: `arn:aws:iam::${account}:role/q-sts`, RoleSessionName: 's2', Policy: '{}' },
      'MalformedPolicyDocument',
      { credentials: bob },
    );
  });

  it("IAM actions and trust policies see the request's facts (aws:SourceIp of the client)", async () => {
    await ok('CreateUser', { UserName: 'q-ip' });
    const key = await ok('CreateAccessKey', { UserName: 'q-ip' });
    const credentials = {
      accessKeyId: field(key, 'AccessKey', 'AccessKeyId')!.text,
      secretAccessKey: field(key, 'AccessKey', 'SecretAccessKey')!.text,
    };
    await ok('PutUserPolicy', {
      UserName: 'q-ip',
      PolicyName: 'all',
      PolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Action: ['iam:*', 'sts:AssumeRole'], Resource: '*' },
          {
            Effect: 'Deny',
            Action: 'iam:CreateUser',
            Resource: '*',
            Condition: { IpAddress: { 'aws:SourceIp': '127.0.0.0/8' } },
          },
        ],
      }),
    });
    await ok('ListUsers', {}, { credentials });
    assert.match(await fails('CreateUser', { UserName: 'q-ip2' }, 'AccessDenied', { credentials }), /explicit deny/);
    const trust = (operator: string) =>
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { AWS: `arn:aws:iam::${account}:user/q-ip` },
            Action: 'sts:AssumeRole',
            Condition: { [operator]: { 'aws:SourceIp': '127.0.0.1/32' } },
          },
        ],
      });
    await ok('CreateRole', { RoleName: 'q-ip-in', AssumeRolePolicyDocument: trust('IpAddress') });
    await ok('CreateRole', { RoleName: 'q-ip-out', AssumeRolePolicyDocument: trust('NotIpAddress') });
    await ok('AssumeRole', { RoleArn: `arn:aws:iam::${account}:role/q-ip-in`, RoleSessionName: 'ip' }, { credentials });
    // The identity policy allows sts:AssumeRole on every role, but a role's trust policy must let the caller in too.
    await fails(
      'AssumeRole',
      { RoleArn: `arn:aws:iam::${account}:role/q-ip-out`, RoleSessionName: 'ip' },
      'AccessDenied',
      { credentials },
    );
  });

  it('signatures: the service and region of the scope, unsigned requests, unknown actions and versions', async () => {
    await fails('GetUser', {}, 'SignatureDoesNotMatch', { service: 'iam', region: 'eu-west-1' });
    await fails('GetCallerIdentity', {}, 'MissingAuthenticationToken', { credentials: null });
    await fails('GetUser', {}, 'InvalidClientTokenId', {
      credentials: { accessKeyId: 'AKIAAAAAAAAAAAAAAAAA', secretAccessKey: 'x'.repeat(40) },
    });
    const wrongScope = await served.berth.app.inject({
      method: 'POST',
      url: '/',
      payload: 'Action=GetUser&Version=2010-05-08',
      headers: await signHeaders(
        {
          method: 'POST',
          url: '/',
          host,
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: 'Action=GetUser&Version=2010-05-08',
        },
        { service: 'sts' },
      ),
    });
    assert.equal(wrongScope.statusCode, 403);
    assert.match(wrongScope.body, /<Code>SignatureDoesNotMatch<\/Code>/);
    const unknown = await call('CreateGroup', { GroupName: 'g' });
    assert.equal(unknown.status, 400);
    assert.match(unknown.raw, /<Code>InvalidAction<\/Code>/);
    const version = await served.berth.app.inject({
      method: 'POST',
      url: '/',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'Action=GetUser&Version=2099-01-01',
    });
    assert.match(version.body, /<Code>InvalidAction<\/Code>/);
    // The ECR JSON face still answers POST / with X-Amz-Target.
    const ecr = await served.berth.app.inject({
      method: 'POST',
      url: '/',
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': 'AmazonEC2ContainerRegistry_V20150921.DescribeRepositories',
      },
      payload: '{}',
    });
    assert.equal(JSON.parse(ecr.body).__type, 'MissingAuthenticationTokenException');
  });
});
