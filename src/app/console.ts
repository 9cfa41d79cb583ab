// The console's wiring (issue 23): the sign-in service over the store and the login profiles, the
// console face under /console/ with the registry's services, the public registry's aliases and the
// account's KMS keys; unless console.enabled is false.
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config/schema.js';
import type { Principal } from '../domain/principal.js';
import { consolePlugin } from '../http/console/plugin.js';
import { ConsoleSignIn } from '../iam/console-sign-in.js';
import type { IamServices } from '../iam/iam-services.js';
import type { Deployment } from './deployment.js';
import type { Wiring } from './services.js';

/** The principal an IAM ARN names, for the access check: an account's root, a user or (as a session of it) a role. */
async function principalOfArn(store: Deployment['store'], arn: string): Promise<Principal | undefined> {
  const match = /^arn:aws:iam::(\d{12}):(root|user|role)(?:\/(?:[\w+=,.@-]+\/)*([\w+=,.@-]+))?$/.exec(arn);
  if (!match) return undefined;
  const [, accountId, kind, name] = match as unknown as [string, string, string, string | undefined];
  if (kind === 'root') return name ? undefined : { kind: 'root', accountId, arn, userId: accountId, accessKeyId: '' };
  if (!name) return undefined;
  if (kind === 'user') {
    const user = await store.identities.getUserByName(accountId, name);
    return user && user.kind === 'user'
      ? { kind: 'user', accountId, arn: user.arn, userId: user.id, userName: user.name, accessKeyId: '' }
      : undefined;
  }
  const role = await store.roles.get(accountId, name);
  return (
    role && {
      kind: 'role-session',
      accountId,
      arn: `arn:aws:sts::${accountId}:assumed-role/${role.name}/console-check`,
      roleArn: role.arn,
      roleId: role.id,
      sessionName: 'console-check',
      accessKeyId: '',
      tags: {},
      expiresAt: Date.now() + 3_600_000,
    }
  );
}

export async function registerConsole(
  app: FastifyInstance,
  config: Config,
  deployment: Deployment,
  wired: Pick<Wiring, 'access' | 'auth' | 'services' | 'kms' | 'pub' | 'scanning' | 'pullThrough' | 'metering'>,
  iam: IamServices,
): Promise<void> {
  if (!config.console.enabled) return;
  const { store } = deployment;
  const signIn = new ConsoleSignIn(store, iam.loginProfiles, {
    idleTimeoutMs: config.console.idleTimeoutMinutes * 60_000,
    maxFailures: config.console.maxFailures,
    failureWindowMs: config.console.failureWindowMinutes * 60_000,
  });
  await app.register(consolePlugin, {
    prefix: '/console',
    signIn,
    accountOfAlias: (alias) => wired.pub.aliases.resolve(alias),
    aliasesOf: async (accountId) =>
      (await store.publicRegistry.aliases(accountId)).filter((a) => a.status === 'ACTIVE').map((a) => a.name),
    hasConsolePassword: async (user) => (await store.console.getLoginProfile(user.id)) !== undefined,
    services: wired.services,
    publicServices: wired.pub.services,
    access: wired.access,
    users: iam.users,
    loginProfiles: iam.loginProfiles,
    publicRepositories: wired.pub.repositories,
    iamAuthorizer: wired.auth.iamAuthorizer,
    requestAlias: (accountId, name) => wired.pub.aliases.request(accountId, name),
    scanning: wired.scanning.service,
    pullThroughRules: wired.pullThrough.rules,
    usage: wired.metering.usage,
    kmsKeys: async (ctx) => {
      const keys = await wired.kms.keyService.list(
        { principal: ctx.principal, accountId: ctx.registry.accountId, ...(ctx.facts && { facts: ctx.facts }) },
        undefined,
        100,
      );
      return keys
        .filter((k) => k.state === 'Enabled')
        .map((k) => ({ arn: k.arn, label: k.description ? `${k.id} (${k.description})` : k.id }));
    },
    authorizer: wired.auth.authorizer,
    principalOf: (arn) => principalOfArn(store, arn),
    region: config.registry.region,
    tls: Boolean(config.tls.cert || config.tls.selfSigned),
  });
}
