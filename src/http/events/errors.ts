// The events API's part of the AWS JSON error catalogue: its errors by EventBridge's names
// (domain/events-errors.ts, shared/specs/aws/events.service-2.json), with the model's statuses.
import { EventsError } from '../../domain/events-errors.js';
import { AwsJsonError, statusOf } from '../aws-json/errors.js';

export function eventsApiError(err: unknown): AwsJsonError | undefined {
  if (!(err instanceof EventsError)) return undefined;
  return new AwsJsonError(err.type, err.message, {}, err.type === 'InternalException' ? 500 : statusOf(err.type));
}
