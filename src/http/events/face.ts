// The events API (EventBridge's rules and targets) on the AWS JSON host: X-Amz-Target
// AWSEvents.<Action>, signed for service events, errors by EventBridge's model's names.
import type { ApiActionTable, AwsJsonFace } from '../aws-json/call.js';
import { eventsApiError } from './errors.js';

export const EVENTS_TARGET_PREFIX = 'AWSEvents';

/** `actions`: eventsActions(rules). */
export function eventsFace(actions: ApiActionTable): AwsJsonFace {
  return { targetPrefix: EVENTS_TARGET_PREFIX, signingName: 'events', actions, errors: eventsApiError };
}
