// The console under /console/ on the main listener: sign-in (account id or alias, user,
// password), a forced password change, sign-out, and the pages of repository-routes.ts and
// account-routes.ts. Server-rendered HTML that works without script, a strict CSP, a session in
// the database behind an HttpOnly SameSite=Strict cookie, and a CSRF token on every POST. The
// pages act as the signed-in identity through the same authorizer as the API.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { privateRegistry } from '../../domain/registry.js';
import type { RequestContext } from '../../domain/request-context.js';
import type { ConsoleSignIn, SignedIn } from '../../iam/console-sign-in.js';
import type { IamUserService } from '../../iam/iam-users.js';
import type { PublicRepositoryService } from '../../public/repositories.js';
import type { LoginProfileService } from '../../iam/login-profiles.js';
import type { Authorizer } from '../../domain/authorizer.js';
import type { User } from '../../domain/records/identities.js';
import type { RepositoryAccess } from '../../registry/access.js';
import type { UsageService } from '../../metering/usage.js';
import type { PullThroughRules } from '../../pullthrough/rules.js';
import type { RegistryServices } from '../../registry/services.js';
import type { ScanService } from '../../scanning/scan-service.js';
import { requestFacts } from '../facts.js';
import type { AccessCheck } from './access-check.js';
import { registerAccountRoutes } from './account-routes.js';
import { FormWithFiles, registerCatalogRoutes } from './catalog-routes.js';
import { registerLifecycleRoutes } from './lifecycle-routes.js';
import { registerPullThroughRoutes } from './pull-through-routes.js';
import { registerReplicationRoutes } from './replication-routes.js';
import { registerScanningRoutes } from './scanning-routes.js';
import { registerUsageRoutes } from './usage-routes.js';
import { registerUsersRoutes } from './users-routes.js';
import { registerValidateRoutes } from './validate-routes.js';
import { CONSOLE_CSS } from './assets.js';
import type { Viewer } from './layout.js';
import { registerRepositoryRoutes } from './repository-routes.js';
import { cookies, newToken, sameOrigin, sameToken, SESSION_COOKIE, setCookie, SIGNIN_COOKIE } from './session.js';
import { changePasswordPage, signInPage } from './signin-pages.js';

/** No script but the console's own, no inline script, nothing framed, forms only to the console. */
export const CONSOLE_CSP =
  "default-src 'none'; img-src 'self'; style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

export interface ConsoleOptions extends AccessCheck {
  signIn: ConsoleSignIn;
  /** The account an alias (of the public registry) names. */
  accountOfAlias(alias: string): Promise<string | undefined>;
  /** The account's public registry aliases. */
  aliasesOf(accountId: string): Promise<string[]>;
  hasConsolePassword(user: User): Promise<boolean>;
  services: RegistryServices;
  publicServices: RegistryServices;
  access: RepositoryAccess;
  users: IamUserService;
  /** ECR Public's repositories: their catalog data. */
  publicRepositories: PublicRepositoryService;
  /** Console passwords (IAM's login profiles). */
  loginProfiles: LoginProfileService;
  /** IAM's authorizer (identity policies alone), for which Users and keys buttons to offer. */
  iamAuthorizer: Authorizer;
  /** Requests a public registry alias for the account (RequestRegistryAlias). */
  requestAlias(accountId: string, name: string): Promise<{ name: string; status: string }>;
  /** Image scanning: the registry's configuration, images' scans. */
  scanning: ScanService;
  pullThroughRules: PullThroughRules;
  /** Metering's usage report. */
  usage: UsageService;
  /** The account's KMS keys the signed-in identity may list, for the create form. */
  kmsKeys(ctx: RequestContext): Promise<{ arn: string; label: string }[]>;
  region: string;
  /** True when the listener serves TLS: the cookie is Secure, push commands verify TLS. */
  tls: boolean;
}

/** A signed-in request: who, their page frame, and the context the services authorize. */
export interface ConsoleRequest {
  signedIn: SignedIn;
  viewer: Viewer;
  ctx: RequestContext;
  form: URLSearchParams;
}

export function html(reply: FastifyReply, status: number, body: string): FastifyReply {
  return reply
    .code(status)
    .header('Content-Security-Policy', CONSOLE_CSP)
    .header('X-Content-Type-Options', 'nosniff')
    .header('X-Frame-Options', 'DENY')
    .header('Cache-Control', 'no-store')
    .header('Referrer-Policy', 'same-origin')
    .type('text/html; charset=utf-8')
    .send(body);
}

export type ConsoleHandler = (request: FastifyRequest, reply: FastifyReply, c: ConsoleRequest) => Promise<unknown>;
export type Guard = (handler: ConsoleHandler) => (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;

const formOf = (request: FastifyRequest) =>
  request.body instanceof URLSearchParams ? request.body : new URLSearchParams();

export async function consolePlugin(app: FastifyInstance, options: ConsoleOptions): Promise<void> {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: 256 * 1024 },
    (_request, body, done) => done(null, new URLSearchParams(String(body))),
  );
  // Multipart only for uploads (a public repository's logo), parsed by the platform's own FormData.
  app.addContentTypeParser(
    'multipart/form-data',
    { parseAs: 'buffer', bodyLimit: 1024 * 1024 },
    async (request: FastifyRequest, body: Buffer) => {
      const parsed = await new Request('http://console.invalid/', {
        method: 'POST',
        headers: { 'content-type': String(request.headers['content-type']) },
        body: new Uint8Array(body),
      })
        .formData()
        .catch(() => undefined);
      const form = new FormWithFiles();
      for (const [key, value] of parsed ?? []) {
        if (typeof value === 'string') form.append(key, value);
        else if (value.size > 0) form.files.set(key, Buffer.from(await value.arrayBuffer()));
      }
      return form;
    },
  );
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: 256 * 1024 }, (_request, _body, done) =>
    done(null, undefined),
  );
  const secure = options.tls;

  /** Pages behind a session: sign-in when there is none, the password change first when it is due, CSRF on POSTs. */
  const guard: Guard = (handler) => async (request, reply) => {
    const signedIn = await options.signIn.session(cookies(request)[SESSION_COOKIE]);
    if (!signedIn) {
      if (request.method === 'POST') return html(reply, 403, 'Sign in again: your session has ended.');
      return reply.redirect('/console/signin', 303);
    }
    if (signedIn.mustChangePassword) return reply.redirect('/console/password', 303);
    const form = formOf(request);
    if (
      request.method === 'POST' &&
      (!sameOrigin(request) || !sameToken(form.get('csrf') ?? undefined, signedIn.session.csrfToken))
    )
      return html(reply, 403, "Refused: the form did not carry this session's CSRF token.");
    const viewer: Viewer = {
      name: signedIn.user.kind === 'root' ? 'root' : signedIn.user.name,
      accountId: signedIn.user.accountId,
      csrf: signedIn.session.csrfToken,
    };
    const ctx: RequestContext = {
      principal: signedIn.principal,
      registry: privateRegistry(signedIn.user.accountId),
      facts: requestFacts(request),
    };
    return handler(request, reply, { signedIn, viewer, ctx, form });
  };

  app.get('/static/console.css', async (_request, reply) =>
    reply.type('text/css; charset=utf-8').header('Cache-Control', 'public, max-age=3600').send(CONSOLE_CSS),
  );
  app.get('/', async (_request, reply) => reply.redirect('/console/repositories', 303));

  const signInForm = (
    reply: FastifyReply,
    status: number,
    values: { account?: string; user?: string },
    error?: string,
  ) => {
    const token = newToken();
    setCookie(reply, SIGNIN_COOKIE, token, secure);
    return html(reply, status, signInPage(token, values, error));
  };
  app.get('/signin', async (_request, reply) => signInForm(reply, 200, {}));
  app.post('/signin', async (request, reply) => {
    const form = formOf(request);
    const account = (form.get('account') ?? '').trim();
    const user = (form.get('user') ?? '').trim();
    if (!sameOrigin(request) || !sameToken(form.get('csrf') ?? undefined, cookies(request)[SIGNIN_COOKIE]))
      return signInForm(reply, 403, { account, user }, 'The sign-in form expired. Please try again.');
    const accountId = /^\d{12}$/.test(account) ? account : ((await options.accountOfAlias(account)) ?? account);
    const result = await options.signIn.signIn(accountId, user, form.get('password') ?? '', request.ip);
    if (!result.ok) return signInForm(reply, 401, { account, user }, result.message);
    setCookie(reply, SESSION_COOKIE, result.token, secure);
    return reply.redirect(result.mustChangePassword ? '/console/password' : '/console/repositories', 303);
  });

  const sessionFor = async (request: FastifyRequest) => options.signIn.session(cookies(request)[SESSION_COOKIE]);
  app.get('/password', async (request, reply) => {
    const signedIn = await sessionFor(request);
    if (!signedIn) return reply.redirect('/console/signin', 303);
    return html(reply, 200, changePasswordPage(signedIn.session.csrfToken, signedIn.mustChangePassword));
  });
  app.post('/password', async (request, reply) => {
    const signedIn = await sessionFor(request);
    if (!signedIn) return reply.redirect('/console/signin', 303);
    const form = formOf(request);
    const csrf = signedIn.session.csrfToken;
    if (!sameOrigin(request) || !sameToken(form.get('csrf') ?? undefined, csrf))
      return html(
        reply,
        403,
        changePasswordPage(csrf, signedIn.mustChangePassword, 'The form expired. Please try again.'),
      );
    if ((form.get('new') ?? '') !== (form.get('confirm') ?? ''))
      return html(reply, 400, changePasswordPage(csrf, signedIn.mustChangePassword, 'The new passwords differ.'));
    try {
      await options.signIn.changePassword(signedIn, form.get('old') ?? '', form.get('new') ?? '');
    } catch (err) {
      return html(reply, 400, changePasswordPage(csrf, signedIn.mustChangePassword, (err as Error).message));
    }
    return reply.redirect('/console/repositories', 303);
  });

  app.post('/signout', async (request, reply) => {
    const token = cookies(request)[SESSION_COOKIE];
    const signedIn = await options.signIn.session(token);
    if (
      signedIn &&
      sameOrigin(request) &&
      sameToken(formOf(request).get('csrf') ?? undefined, signedIn.session.csrfToken)
    )
      await options.signIn.signOut(token);
    else if (signedIn) return html(reply, 403, "Refused: the form did not carry this session's CSRF token.");
    setCookie(reply, SESSION_COOKIE, '', secure, 0);
    return reply.redirect('/console/signin', 303);
  });

  for (const register of PAGES) register(app, options, guard);
}

/** The route modules of the navigation's pages (nav.ts): a new page is an entry there and a module here. */
const PAGES: ((app: FastifyInstance, options: ConsoleOptions, guard: Guard) => void)[] = [
  registerRepositoryRoutes,
  registerAccountRoutes,
  registerLifecycleRoutes,
  registerReplicationRoutes,
  registerPullThroughRoutes,
  registerScanningRoutes,
  registerUsersRoutes,
  registerCatalogRoutes,
  registerUsageRoutes,
  registerValidateRoutes,
];
