// CloudTrail's LookupEvents over the audit trail: one lookup attribute, a time range (the last
// 90 days by default), newest first, pages of at most 50 with a signed NextToken bound to the
// lookup's parameters.
import { z } from 'zod';
import type { AuditTrail } from '../../audit/trail.js';
import type { AuditEvent } from '../../domain/records/audit.js';
import type { ApiActionTable } from '../aws-json/call.js';
import { epochSeconds } from '../aws-json/call.js';
import { protocolError } from '../aws-json/errors.js';
import { validate } from '../aws-json/validation.js';
import { CloudTrailError } from './errors.js';

const DAY = 86_400_000;
const LOOKBACK_DAYS = 90;
const DEFAULT_RESULTS = 50;

const ATTRIBUTE_KEYS = [
  'EventId',
  'EventName',
  'ReadOnly',
  'Username',
  'ResourceType',
  'ResourceName',
  'EventSource',
  'AccessKeyId',
] as const;

/** Input schemas by action, for the model conformance test. */
export const cloudTrailInputs = {
  LookupEvents: z.object({
    LookupAttributes: z
      .array(z.object({ AttributeKey: z.string(), AttributeValue: z.string().min(1).max(2000) }))
      .optional(),
    StartTime: z.number().optional(),
    EndTime: z.number().optional(),
    EventCategory: z.string().optional(),
    MaxResults: z.number().int().optional(),
    NextToken: z.string().optional(),
  }),
};

const Cursor = z.object({ t: z.number(), id: z.string() });

function toEvent(record: AuditEvent) {
  return {
    EventId: record.eventId,
    EventName: record.eventName,
    ReadOnly: String(record.readOnly),
    ...(record.accessKeyId !== null && { AccessKeyId: record.accessKeyId }),
    EventTime: epochSeconds(record.eventTime),
    EventSource: record.eventSource,
    ...(record.username !== null && { Username: record.username }),
    Resources:
      record.resourceName !== null ? [{ ResourceType: record.resourceType, ResourceName: record.resourceName }] : [],
    CloudTrailEvent: record.event,
  };
}

export function cloudTrailActions(trail: AuditTrail): ApiActionTable {
  return {
    async LookupEvents(call) {
      const input = validate(cloudTrailInputs.LookupEvents, call.body, (message) =>
        protocolError('ValidationException', message),
      );
      const attributes = input.LookupAttributes ?? [];
      if (attributes.length > 1)
        throw new CloudTrailError('InvalidLookupAttributesException', 'You can specify at most one lookup attribute.');
      const attribute = attributes[0];
      const key = attribute && ATTRIBUTE_KEYS.find((k) => k === attribute.AttributeKey);
      if (attribute && !key)
        throw new CloudTrailError(
          'InvalidLookupAttributesException',
          `AttributeKey must be one of ${ATTRIBUTE_KEYS.join(', ')}.`,
        );
      if (input.EventCategory !== undefined)
        throw new CloudTrailError('InvalidEventCategoryException', 'Berth records no Insights events.');
      const limit = input.MaxResults ?? DEFAULT_RESULTS;
      if (limit < 1 || limit > 50)
        throw new CloudTrailError('InvalidMaxResultsException', 'MaxResults must be between 1 and 50.');
      const now = Date.now();
      const endTime = input.EndTime !== undefined ? Math.floor(input.EndTime * 1000) : now;
      const startTime = input.StartTime !== undefined ? Math.ceil(input.StartTime * 1000) : now - LOOKBACK_DAYS * DAY;
      if (startTime > endTime)
        throw new CloudTrailError('InvalidTimeRangeException', 'The start time must be before the end time.');
      const listing = {
        action: call.action,
        parameters: {
          attribute: attribute ?? null,
          startTime: input.StartTime ?? null,
          endTime: input.EndTime ?? null,
        },
      };
      let after: { eventTime: number; eventId: string } | undefined;
      if (input.NextToken !== undefined) {
        const cursor = call.pages.open(listing, Cursor, input.NextToken);
        if (!cursor) throw new CloudTrailError('InvalidNextTokenException', 'The NextToken is not valid.');
        after = { eventTime: cursor.t, eventId: cursor.id };
      }
      const records = await trail.lookup(
        { principal: call.principal, facts: call.facts },
        {
          ...(key && attribute && { attribute: { key, value: attribute.AttributeValue } }),
          startTime,
          endTime,
          limit: limit + 1,
          ...(after && { after }),
        },
      );
      const page = records.slice(0, limit);
      const last = page.at(-1);
      return {
        Events: page.map(toEvent),
        ...(records.length > limit &&
          last && { NextToken: call.pages.issue(listing, { t: last.eventTime, id: last.eventId }) }),
      };
    },
  };
}
