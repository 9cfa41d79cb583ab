// The events API's rules and webhook targets, per account (EventBridge's default bus): each call
// authorized as events:<Action> on the rule's ARN through the one authorizer. A target is a
// webhook: its Arn is the URL; HttpParameters.HeaderParameters carries the signing secret and the
// format under reserved names (Berth-Signing-Secret, Berth-Format) that are kept, not sent.
import type { Action } from '../domain/actions.js';
import { EventsActions } from '../domain/actions.js';
import type { Authorizer } from '../domain/authorizer.js';
import { EventPatternError, matchesPattern, parseEventPattern } from '../domain/event-patterns.js';
import { EventsError } from '../domain/events-errors.js';
import type { KeyCaller } from '../domain/key-wrapping.js';
import {
  EVENT_FORMATS,
  type EventDelivery,
  type EventFormat,
  type EventRule,
  type EventTarget,
} from '../domain/records/events.js';
import type { MetadataStore } from '../metadata/store.js';
import { webhookUrlProblem } from './webhook-urls.js';
import type { TargetSecrets } from './target-secrets.js';

export const SECRET_HEADER = 'Berth-Signing-Secret';
export const FORMAT_HEADER = 'Berth-Format';
/** Targets per rule, as EventBridge allows. */
const MAX_TARGETS = 5;

export interface TargetInput {
  id: string;
  url: string;
  headers: Record<string, string>;
}

export interface TargetFailure {
  id: string;
  code: string;
  message: string;
}

export class EventRules {
  constructor(
    private readonly store: Pick<MetadataStore, 'events'>,
    private readonly authorizer: Authorizer,
    readonly region: string,
    private readonly allowHttpLoopback: boolean,
    private readonly secrets: Pick<TargetSecrets, 'sealed'>,
    private readonly now: () => number = Date.now,
  ) {}

  ruleArn(accountId: string, name: string): string {
    return `arn:aws:events:${this.region}:${accountId}:rule/${name}`;
  }

  private async authorize(caller: KeyCaller, action: Action, resource: string): Promise<void> {
    await this.authorizer.authorize({
      principal: caller.principal,
      action,
      resource,
      resourceAccount: caller.accountId,
      ...(caller.facts && { facts: caller.facts }),
    });
  }

  private async existing(caller: KeyCaller, name: string, action: Action): Promise<EventRule> {
    await this.authorize(caller, action, this.ruleArn(caller.accountId, name));
    const rule = await this.store.events.getRule(caller.accountId, name);
    if (!rule) throw new EventsError('ResourceNotFoundException', `Rule ${name} does not exist on EventBus default.`);
    return rule;
  }

  async putRule(
    caller: KeyCaller,
    input: { name: string; pattern?: string; state?: 'ENABLED' | 'DISABLED'; description?: string },
  ): Promise<EventRule> {
    await this.authorize(caller, EventsActions.PutRule, this.ruleArn(caller.accountId, input.name));
    if (input.pattern === undefined)
      throw new EventsError(
        'ValidationException',
        'Parameter(s) EventPattern must be specified (schedules are not served).',
      );
    checkPattern(input.pattern);
    const before = await this.store.events.getRule(caller.accountId, input.name);
    const rule: EventRule = {
      accountId: caller.accountId,
      name: input.name,
      pattern: input.pattern,
      state: input.state ?? 'ENABLED',
      description: input.description ?? null,
      createdAt: before?.createdAt ?? this.now(),
    };
    await this.store.events.putRule(rule);
    return rule;
  }

  describeRule(caller: KeyCaller, name: string): Promise<EventRule> {
    return this.existing(caller, name, EventsActions.DescribeRule);
  }

  async listRules(caller: KeyCaller, prefix?: string): Promise<EventRule[]> {
    await this.authorize(caller, EventsActions.ListRules, this.ruleArn(caller.accountId, '*'));
    const rules = await this.store.events.rules(caller.accountId);
    return prefix === undefined ? rules : rules.filter((r) => r.name.startsWith(prefix));
  }

  async deleteRule(caller: KeyCaller, name: string): Promise<void> {
    await this.authorize(caller, EventsActions.DeleteRule, this.ruleArn(caller.accountId, name));
    if ((await this.store.events.targets(caller.accountId, name)).length > 0)
      throw new EventsError('ValidationException', "Rule can't be deleted since it has targets.");
    await this.store.events.deleteRule(caller.accountId, name);
  }

  /** Adds or replaces targets; those refused are returned with why (PutTargets' FailedEntries). */
  async putTargets(caller: KeyCaller, ruleName: string, inputs: TargetInput[]): Promise<TargetFailure[]> {
    await this.existing(caller, ruleName, EventsActions.PutTargets);
    const current = await this.store.events.targets(caller.accountId, ruleName);
    const ids = new Set([...current.map((t) => t.id), ...inputs.map((t) => t.id)]);
    if (ids.size > MAX_TARGETS)
      throw new EventsError(
        'LimitExceededException',
        `The requested resource exceeds the maximum number allowed (${MAX_TARGETS} targets per rule).`,
      );
    const failures: TargetFailure[] = [];
    const accepted: EventTarget[] = [];
    for (const input of inputs) {
      const problem = webhookUrlProblem(input.url, this.allowHttpLoopback) ?? targetProblem(input.headers);
      if (problem) {
        failures.push({ id: input.id, code: 'ValidationException', message: problem });
        continue;
      }
      const { [SECRET_HEADER]: secret, [FORMAT_HEADER]: format, ...headers } = input.headers;
      const key = { accountId: caller.accountId, ruleName, id: input.id };
      accepted.push({
        ...key,
        url: input.url,
        // Kept sealed with the master key; only the delivery worker opens it, to sign.
        secret: this.secrets.sealed(key, secret!),
        format: (format ?? 'eventbridge') as EventFormat,
        headers,
      });
    }
    await this.store.events.putTargets(accepted);
    return failures;
  }

  async listTargets(caller: KeyCaller, ruleName: string): Promise<EventTarget[]> {
    await this.existing(caller, ruleName, EventsActions.ListTargetsByRule);
    return this.store.events.targets(caller.accountId, ruleName);
  }

  async removeTargets(caller: KeyCaller, ruleName: string, ids: string[]): Promise<void> {
    await this.existing(caller, ruleName, EventsActions.RemoveTargets);
    await this.store.events.removeTargets(caller.accountId, ruleName, ids);
  }

  /** The account's dead letters, oldest first. */
  async deadLetters(caller: KeyCaller): Promise<EventDelivery[]> {
    await this.authorize(caller, EventsActions.ListDeadLetters, this.ruleArn(caller.accountId, '*'));
    return this.store.events.deliveries('DEAD', caller.accountId);
  }

  /** Puts the account's dead letters (these, or all) back to be sent, with a new retry window; how many. */
  async replayDeadLetters(caller: KeyCaller, ids?: string[]): Promise<number> {
    await this.authorize(caller, EventsActions.ReplayDeadLetters, this.ruleArn(caller.accountId, '*'));
    return this.store.events.replay(this.now(), caller.accountId, ids);
  }

  async testPattern(caller: KeyCaller, pattern: string, event: string): Promise<boolean> {
    await this.authorize(caller, EventsActions.TestEventPattern, '*');
    const compiled = checkPattern(pattern);
    let parsed: unknown;
    try {
      parsed = JSON.parse(event);
    } catch {
      throw new EventsError('ValidationException', 'Parameter Event is not valid JSON.');
    }
    return matchesPattern(compiled, parsed);
  }
}

function checkPattern(text: string) {
  try {
    return parseEventPattern(text);
  } catch (err) {
    if (err instanceof EventPatternError)
      throw new EventsError('InvalidEventPatternException', `Event pattern is not valid. Reason: ${err.message}`);
    throw err;
  }
}

function targetProblem(headers: Record<string, string>): string | undefined {
  const secret = headers[SECRET_HEADER];
  if (secret === undefined || secret.length < 16)
    return `a webhook target needs HttpParameters.HeaderParameters.${SECRET_HEADER} (at least 16 characters): the key of its signatures`;
  const format = headers[FORMAT_HEADER];
  if (format !== undefined && !(EVENT_FORMATS as readonly string[]).includes(format))
    return `${FORMAT_HEADER} must be one of ${EVENT_FORMATS.join(', ')}`;
  return undefined;
}
