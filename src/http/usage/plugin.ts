// The usage API on the main listener, the HTTP form of `berth usage`:
//   GET /admin/usage?account=&from=&to=&by=repository|day&format=json|csv
//   GET /admin/usage/repositories/<name>?visibility=private|public&account=
// Credentials as on /v2 (Basic, user AWS, a password from GetAuthorizationToken). A report is
// allowed to whoever may ecr:DescribeRegistry the account's registry; a repository's view to
// whoever may ecr:DescribeRepositories it (ecr-public: for a public one). Errors are JSON
// {"__type", "message"} with ECR's exception names.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Actions } from '../../domain/actions.js';
import type { Authorizer } from '../../domain/authorizer.js';
import { isRegistryError } from '../../domain/errors.js';
import { ANONYMOUS, type Principal } from '../../domain/principal.js';
import { privateRegistry, publicRegistry, registryArn, repositoryArn } from '../../domain/registry.js';
import { isRepositoryName } from '../../domain/names.js';
import type { Authenticator } from '../../iam/authenticator.js';
import { usageCsv } from '../../metering/usage-format.js';
import { monthStart, parseUsageTime, type UsageService } from '../../metering/usage.js';
import { requestFacts } from '../facts.js';

export interface UsagePluginOptions {
  usage: UsageService;
  authenticator: Authenticator;
  authorizer: Authorizer;
  /** auth.mode open: every caller is anonymous and allowed. */
  open: boolean;
  /** The deployment's default account (an anonymous caller's, in open mode). */
  accountId: string;
  region: string;
}

class UsageRequestError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

const invalid = (message: string) => new UsageRequestError(400, 'InvalidParameterException', message);

function parseTime(value: string, name: string): number {
  const at = parseUsageTime(value);
  if (at === undefined) throw invalid(`${name} must be an ISO 8601 date or time, or epoch milliseconds`);
  return at;
}

type Query = Record<string, string | string[] | undefined>;

function one(query: Query, name: string): string | undefined {
  const value = query[name];
  if (Array.isArray(value)) throw invalid(`${name} may be given once`);
  return value === '' ? undefined : value;
}

function accountOf(principal: Principal, fallback: string): string {
  return principal.kind === 'anonymous' ? fallback : principal.accountId;
}

export async function usagePlugin(app: FastifyInstance, options: UsagePluginOptions): Promise<void> {
  const { usage, authorizer } = options;

  const caller = async (request: FastifyRequest): Promise<Principal> =>
    options.open ? ANONYMOUS : options.authenticator.basic(request.headers.authorization);

  const accountParam = (query: Query, principal: Principal): string => {
    const account = one(query, 'account') ?? accountOf(principal, options.accountId);
    if (!/^\d{12}$/.test(account)) throw invalid('account must be a 12-digit account id');
    return account;
  };

  app.setErrorHandler((err, _request, reply: FastifyReply) => {
    if (err instanceof UsageRequestError)
      return reply.code(err.status).send({ __type: err.type, message: err.message });
    if (isRegistryError(err) && (err.code === 'UNAUTHORIZED' || err.code === 'DENIED')) {
      if (err.code === 'UNAUTHORIZED') reply.header('WWW-Authenticate', 'Basic realm="berth"');
      return reply
        .code(err.code === 'UNAUTHORIZED' ? 401 : 403)
        .send({ __type: 'AccessDeniedException', message: err.message });
    }
    _request.log.error({ err }, 'usage request failed');
    return reply.code(500).send({ __type: 'ServerException', message: 'An internal error occurred.' });
  });

  app.get('/admin/usage', async (request, reply) => {
    const query = request.query as Query;
    const principal = await caller(request);
    const accountId = accountParam(query, principal);
    const now = Date.now();
    const from = one(query, 'from') === undefined ? monthStart(now) : parseTime(one(query, 'from')!, 'from');
    const to = one(query, 'to') === undefined ? now : parseTime(one(query, 'to')!, 'to');
    if (to <= from) throw invalid('to must be after from');
    const by = one(query, 'by') ?? 'repository';
    if (by !== 'repository' && by !== 'day') throw invalid('by must be repository or day');
    const format = one(query, 'format') ?? 'json';
    if (format !== 'json' && format !== 'csv') throw invalid('format must be json or csv');
    await authorizer.authorize({
      principal,
      action: Actions.DescribeRegistry,
      resource: registryArn(privateRegistry(accountId), options.region),
      facts: requestFacts(request),
    });
    const report = await usage.report({ accountId, from, to, by }, now);
    reply.header('Cache-Control', 'no-store');
    if (format === 'csv') return reply.type('text/csv; charset=utf-8').send(usageCsv(report));
    return reply.send({
      ...report,
      from: new Date(report.from).toISOString(),
      to: new Date(report.to).toISOString(),
    });
  });

  app.get<{ Params: { '*': string } }>('/admin/usage/repositories/*', async (request, reply) => {
    const query = request.query as Query;
    const name = request.params['*'];
    if (!isRepositoryName(name)) throw invalid(`${name} is not a valid repository name`);
    const visibility = one(query, 'visibility') ?? 'private';
    if (visibility !== 'private' && visibility !== 'public') throw invalid('visibility must be private or public');
    const principal = await caller(request);
    const accountId = accountParam(query, principal);
    const registry = visibility === 'public' ? publicRegistry(accountId) : privateRegistry(accountId);
    await authorizer.authorize({
      principal,
      action: visibility === 'public' ? 'ecr-public:DescribeRepositories' : Actions.DescribeRepositories,
      resource: repositoryArn(registry, options.region, name),
      facts: requestFacts(request),
    });
    const view = await usage.repository(registry, name);
    if (!view)
      throw new UsageRequestError(
        404,
        'RepositoryNotFoundException',
        `The repository with name '${name}' does not exist in the registry with id '${accountId}'`,
      );
    return reply.header('Cache-Control', 'no-store').send(view);
  });
}
