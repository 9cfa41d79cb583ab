// EventBridge's rule and target actions (AWS JSON 1.1, X-Amz-Target: AWSEvents.<Action>, SigV4
// service events) on the default event bus: parse by the model's shapes, call the rules service,
// render the model's shapes. A target's Arn is its webhook URL; its signing secret and format
// ride in HttpParameters.HeaderParameters (Berth-Signing-Secret, Berth-Format) and are never
// listed back (the secret shows as "****").
import { z } from 'zod';
import { EventsError } from '../../domain/events-errors.js';
import type { KeyCaller } from '../../domain/key-wrapping.js';
import type { EventRule } from '../../domain/records/events.js';
import { type EventRules, FORMAT_HEADER, SECRET_HEADER } from '../../events/rules.js';
import type { ApiActionTable, ApiCall } from '../aws-json/call.js';
import { modelPattern, validate } from '../aws-json/validation.js';

const RuleName = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[.\-_A-Za-z0-9]+$/, modelPattern('[\\.\\-_A-Za-z0-9]+'));
const TargetId = RuleName;
/** Only the default bus is served. */
const EventBusName = z.string().min(1).max(1600).optional();
const NextToken = z.string().min(1).max(2048).optional();
const Limit = z.number().int().min(1).max(100).optional();
const ListCursor = z.object({ offset: z.number().int().min(0) });

const Target = z.object({
  Id: TargetId,
  Arn: z.string().min(1).max(1600),
  HttpParameters: z
    .object({
      HeaderParameters: z.record(z.string().max(512), z.string().max(512)).optional(),
      PathParameterValues: z.array(z.string()).optional(),
      QueryStringParameters: z.record(z.string(), z.string()).optional(),
    })
    .optional(),
  RoleArn: z.string().optional(),
  Input: z.string().optional(),
  InputPath: z.string().optional(),
});

/** Input schemas by action, for the model conformance test. */
export const eventsInputs = {
  PutRule: z.object({
    Name: RuleName,
    ScheduleExpression: z.string().max(256).optional(),
    EventPattern: z.string().max(4096).optional(),
    State: z.enum(['ENABLED', 'DISABLED']).optional(),
    Description: z.string().max(512).optional(),
    RoleArn: z.string().optional(),
    Tags: z.array(z.unknown()).optional(),
    EventBusName,
  }),
  DescribeRule: z.object({ Name: RuleName, EventBusName }),
  ListRules: z.object({ NamePrefix: RuleName.optional(), EventBusName, NextToken, Limit }),
  DeleteRule: z.object({ Name: RuleName, EventBusName, Force: z.boolean().optional() }),
  PutTargets: z.object({ Rule: RuleName, EventBusName, Targets: z.array(Target).min(1).max(100) }),
  ListTargetsByRule: z.object({ Rule: RuleName, EventBusName, NextToken, Limit }),
  RemoveTargets: z.object({
    Rule: RuleName,
    EventBusName,
    Ids: z.array(TargetId).min(1).max(100),
    Force: z.boolean().optional(),
  }),
  TestEventPattern: z.object({ EventPattern: z.string().max(4096), Event: z.string() }),
  /** Berth's own (not in EventBridge's model): the account's dead letters. */
  ListDeadLetters: z.object({}),
  ReplayDeadLetters: z.object({ Ids: z.array(z.string().min(1).max(64)).min(1).max(100).optional() }),
};

/** The actions of this face that EventBridge's model does not have (the admin route of the dead letters). */
export const BERTH_ONLY_ACTIONS = ['ListDeadLetters', 'ReplayDeadLetters'];

function parse<T extends z.ZodType>(schema: T, body: unknown): z.infer<T> {
  const parsed = validate(schema, body, (message) => new EventsError('ValidationException', message));
  const bus = (parsed as { EventBusName?: string }).EventBusName;
  if (bus !== undefined && bus !== 'default' && !bus.endsWith(':event-bus/default'))
    throw new EventsError('ResourceNotFoundException', `Event bus ${bus} does not exist.`);
  return parsed;
}

function caller(call: ApiCall): KeyCaller {
  return { principal: call.principal, accountId: call.principal.accountId, facts: call.facts };
}

export function eventsActions(rules: EventRules): ApiActionTable {
  const described = (rule: EventRule) => ({
    Name: rule.name,
    Arn: rules.ruleArn(rule.accountId, rule.name),
    EventPattern: rule.pattern,
    State: rule.state,
    ...(rule.description !== null && { Description: rule.description }),
    EventBusName: 'default',
  });
  return {
    async PutRule(call) {
      const r = parse(eventsInputs.PutRule, call.body);
      if (r.ScheduleExpression !== undefined)
        throw new EventsError('ValidationException', 'ScheduleExpression is not supported: rules match events only.');
      const rule = await rules.putRule(caller(call), {
        name: r.Name,
        ...(r.EventPattern !== undefined && { pattern: r.EventPattern }),
        ...(r.State !== undefined && { state: r.State }),
        ...(r.Description !== undefined && { description: r.Description }),
      });
      return { RuleArn: rules.ruleArn(rule.accountId, rule.name) };
    },
    async DescribeRule(call) {
      const r = parse(eventsInputs.DescribeRule, call.body);
      const rule = await rules.describeRule(caller(call), r.Name);
      return { ...described(rule), CreatedBy: rule.accountId };
    },
    async ListRules(call) {
      const r = parse(eventsInputs.ListRules, call.body);
      const all = await rules.listRules(caller(call), r.NamePrefix);
      const limit = r.Limit ?? 100;
      let offset = 0;
      if (r.NextToken !== undefined) {
        const cursor = call.pages.open(
          { action: call.action, parameters: [r.NamePrefix ?? null] },
          ListCursor,
          r.NextToken,
        );
        if (!cursor) throw new EventsError('ValidationException', 'The NextToken value is not valid.');
        offset = cursor.offset;
      }
      const more = offset + limit < all.length;
      return {
        Rules: all.slice(offset, offset + limit).map(described),
        ...(more && {
          NextToken: call.pages.issue(
            { action: call.action, parameters: [r.NamePrefix ?? null] },
            { offset: offset + limit },
          ),
        }),
      };
    },
    async DeleteRule(call) {
      await rules.deleteRule(caller(call), parse(eventsInputs.DeleteRule, call.body).Name);
      return {};
    },
    async PutTargets(call) {
      const r = parse(eventsInputs.PutTargets, call.body);
      const failures = await rules.putTargets(
        caller(call),
        r.Rule,
        r.Targets.map((t) => ({ id: t.Id, url: t.Arn, headers: t.HttpParameters?.HeaderParameters ?? {} })),
      );
      return {
        FailedEntryCount: failures.length,
        FailedEntries: failures.map((f) => ({ TargetId: f.id, ErrorCode: f.code, ErrorMessage: f.message })),
      };
    },
    async ListTargetsByRule(call) {
      const r = parse(eventsInputs.ListTargetsByRule, call.body);
      const targets = await rules.listTargets(caller(call), r.Rule);
      return {
        Targets: targets.map((t) => ({
          Id: t.id,
          Arn: t.url,
          HttpParameters: { HeaderParameters: { ...t.headers, [SECRET_HEADER]: '****', [FORMAT_HEADER]: t.format } },
        })),
      };
    },
    async RemoveTargets(call) {
      const r = parse(eventsInputs.RemoveTargets, call.body);
      await rules.removeTargets(caller(call), r.Rule, r.Ids);
      return { FailedEntryCount: 0, FailedEntries: [] };
    },
    async ListDeadLetters(call) {
      parse(eventsInputs.ListDeadLetters, call.body);
      const letters = await rules.deadLetters(caller(call));
      return {
        DeadLetters: letters.map((d) => ({
          Id: d.id,
          EventId: d.eventId,
          Rule: d.ruleName,
          TargetId: d.targetId,
          Attempts: d.attempts,
          LastError: d.lastError,
          CreatedAt: d.createdAt / 1000,
          GivenUpAt: d.updatedAt / 1000,
          Event: d.event,
        })),
      };
    },
    async ReplayDeadLetters(call) {
      const r = parse(eventsInputs.ReplayDeadLetters, call.body);
      return { Replayed: await rules.replayDeadLetters(caller(call), r.Ids) };
    },
    async TestEventPattern(call) {
      const r = parse(eventsInputs.TestEventPattern, call.body);
      return { Result: await rules.testPattern(caller(call), r.EventPattern, r.Event) };
    },
  };
}
