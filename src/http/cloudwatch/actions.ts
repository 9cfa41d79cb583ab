// CloudWatch's GetMetricStatistics and ListMetrics for ECR's metrics: namespace AWS/ECR,
// RepositoryPullCount and RepositoryPushCount by the dimension RepositoryName, from the counts
// the audit trail's hook keeps per repository and minute. Each pull or push is one sample of
// value 1 (unit Count): Sum and SampleCount are the period's pulls, Average, Minimum and Maximum 1.
// Periods without any are left out, as CloudWatch does.
import type { AuditTrail } from '../../audit/trail.js';
import type { Principal } from '../../domain/principal.js';
import type { RepositoryMetric } from '../../domain/records/audit.js';
import type { RequestFacts } from '../../domain/request-facts.js';
import { CloudWatchError } from './errors.js';

export interface CloudWatchCall {
  principal: Principal;
  body: Record<string, unknown>;
  facts: RequestFacts;
}

const NAMESPACE = 'AWS/ECR';
const DIMENSION = 'RepositoryName';
const METRICS: readonly RepositoryMetric[] = ['RepositoryPullCount', 'RepositoryPushCount'];
const STATISTICS = ['SampleCount', 'Average', 'Sum', 'Minimum', 'Maximum'] as const;
type Statistic = (typeof STATISTICS)[number];
const MAX_DATAPOINTS = 1440;
/** ListMetrics lists what had data in the last two weeks, as CloudWatch does (RecentlyActive PT3H: three hours). */
const LIST_WINDOW_MS = 14 * 86_400_000;
const RECENT_WINDOW_MS = 3 * 3_600_000;
/** ListMetrics' results per page, as CloudWatch returns them. */
export const LIST_PAGE = 500;

/** ListMetrics' NextToken: the metric and repository the page ended at (metrics in METRICS' order, then names). */
const listToken = (metric: number, repository: string) =>
  Buffer.from(JSON.stringify({ m: metric, r: repository })).toString('base64url');

function listPosition(token: string | undefined): { metric: number; repository: string } | undefined {
  if (token === undefined) return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { m?: unknown; r?: unknown };
    if (typeof parsed.m === 'number' && Number.isInteger(parsed.m) && typeof parsed.r === 'string')
      return { metric: parsed.m, repository: parsed.r };
  } catch {}
  throw new CloudWatchError('InvalidParameterValue', 'The parameter NextToken is not valid.');
}

function text(body: Record<string, unknown>, name: string, required = true): string | undefined {
  const value = body[name];
  if (value === undefined || value === '') {
    if (required) throw new CloudWatchError('MissingParameter', `The parameter ${name} is required.`);
    return undefined;
  }
  if (typeof value !== 'string')
    throw new CloudWatchError('InvalidParameterValue', `The parameter ${name} is not valid.`);
  return value;
}

function time(body: Record<string, unknown>, name: string): number {
  const ms = Date.parse(text(body, name)!);
  if (Number.isNaN(ms))
    throw new CloudWatchError('InvalidParameterValue', `The parameter ${name} must be a timestamp.`);
  return ms;
}

function list(body: Record<string, unknown>, name: string): unknown[] {
  const value = body[name];
  if (value === undefined || value === '') return [];
  if (!Array.isArray(value))
    throw new CloudWatchError('InvalidParameterValue', `The parameter ${name} must be a list.`);
  return value;
}

function dimensions(body: Record<string, unknown>): { Name: string; Value?: string }[] {
  return list(body, 'Dimensions').map((d) => {
    const { Name, Value } = (d ?? {}) as { Name?: unknown; Value?: unknown };
    if (typeof Name !== 'string' || (Value !== undefined && typeof Value !== 'string'))
      throw new CloudWatchError('InvalidParameterValue', 'Each dimension needs a Name (and a Value).');
    return { Name, ...(typeof Value === 'string' && { Value }) };
  });
}

function signed(call: CloudWatchCall) {
  if (call.principal.kind === 'anonymous') throw new CloudWatchError('MissingParameter', 'The request must be signed.');
  return { principal: call.principal, facts: call.facts };
}

function statisticsOf(body: Record<string, unknown>): Statistic[] {
  if (list(body, 'ExtendedStatistics').length > 0)
    throw new CloudWatchError('InvalidParameterValue', 'Berth has no percentile statistics (ExtendedStatistics).');
  const statistics = list(body, 'Statistics');
  if (statistics.length === 0)
    throw new CloudWatchError('MissingParameter', 'The parameter Statistics or ExtendedStatistics is required.');
  for (const s of statistics)
    if (!(STATISTICS as readonly unknown[]).includes(s))
      throw new CloudWatchError(
        'InvalidParameterValue',
        `The statistic ${String(s)} is not one of ${STATISTICS.join(', ')}.`,
      );
  return statistics as Statistic[];
}

export function cloudWatchActions(trail: AuditTrail) {
  return {
    async GetMetricStatistics(call: CloudWatchCall): Promise<Record<string, unknown>> {
      const body = call.body;
      const namespace = text(body, 'Namespace')!;
      const metricName = text(body, 'MetricName')!;
      const start = time(body, 'StartTime');
      const end = time(body, 'EndTime');
      const period = Number(text(body, 'Period'));
      if (!Number.isInteger(period) || period < 60 || period % 60 !== 0)
        throw new CloudWatchError('InvalidParameterValue', 'The parameter Period must be a multiple of 60.');
      if (start >= end)
        throw new CloudWatchError('InvalidParameterValue', 'The parameter StartTime must be before EndTime.');
      const statistics = statisticsOf(body);
      const periods = Math.ceil((end - start) / (period * 1000));
      if (periods > MAX_DATAPOINTS)
        throw new CloudWatchError(
          'InvalidParameterCombination',
          `You have requested up to ${periods} datapoints, which exceeds the limit of ${MAX_DATAPOINTS}.`,
        );
      const dims = dimensions(body);
      const caller = signed(call);
      const metric = METRICS.find((m) => m === metricName);
      const repository = dims.length === 1 && dims[0]!.Name === DIMENSION ? dims[0]!.Value : undefined;
      // What CloudWatch has no data for answers no datapoints (another namespace, metric or dimension).
      if (namespace !== NAMESPACE || !metric || repository === undefined) return { Label: metricName, Datapoints: [] };
      const counts = await trail.repositoryCounts(caller, { metric, repositoryName: repository, from: start, to: end });
      const sums = new Map<number, number>();
      for (const c of counts) {
        const at = start + Math.floor((c.minute - start) / (period * 1000)) * period * 1000;
        sums.set(at, (sums.get(at) ?? 0) + c.count);
      }
      const value = (statistic: Statistic, sum: number) =>
        statistic === 'Sum' || statistic === 'SampleCount' ? sum : 1;
      return {
        Label: metricName,
        Datapoints: [...sums.entries()]
          .sort(([a], [b]) => a - b)
          .map(([at, sum]) => ({
            Timestamp: new Date(at),
            ...Object.fromEntries(statistics.map((s) => [s, value(s, sum)])),
            Unit: 'Count',
          })),
      };
    },

    async ListMetrics(call: CloudWatchCall): Promise<Record<string, unknown>> {
      const body = call.body;
      const namespace = text(body, 'Namespace', false);
      const metricName = text(body, 'MetricName', false);
      const filters = dimensions(body);
      const position = listPosition(text(body, 'NextToken', false));
      const recently = text(body, 'RecentlyActive', false);
      if (recently !== undefined && recently !== 'PT3H')
        throw new CloudWatchError('InvalidParameterValue', 'The parameter RecentlyActive must be PT3H.');
      const caller = signed(call);
      if ((namespace !== undefined && namespace !== NAMESPACE) || filters.some((f) => f.Name !== DIMENSION))
        return { Metrics: [] };
      const wanted = filters[0]?.Value;
      const since = Date.now() - (recently ? RECENT_WINDOW_MS : LIST_WINDOW_MS);
      const found: Record<string, unknown>[] = [];
      let last: { metric: number; repository: string } | undefined;
      for (const [index, metric] of METRICS.entries()) {
        if (metricName !== undefined && metricName !== metric) continue;
        if (position && index < position.metric) continue;
        // In code unit order, the order the token compares by (the database's collation may differ).
        const names = (await trail.countedRepositories(caller, metric, since)).sort();
        for (const name of names) {
          if (wanted !== undefined && wanted !== name) continue;
          if (position && index === position.metric && name <= position.repository) continue;
          if (found.length === LIST_PAGE)
            return { Metrics: found, NextToken: listToken(last!.metric, last!.repository) };
          found.push({ Namespace: NAMESPACE, MetricName: metric, Dimensions: [{ Name: DIMENSION, Value: name }] });
          last = { metric: index, repository: name };
        }
      }
      return { Metrics: found };
    },
  };
}
