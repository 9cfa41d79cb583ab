// Errors of the events API, by EventBridge's exception names (shared/specs/aws/events.service-2.json).

export const EVENTS_EXCEPTIONS = [
  'InternalException',
  'InvalidEventPatternException',
  'LimitExceededException',
  'ResourceNotFoundException',
  'ValidationException',
] as const;

export type EventsExceptionName = (typeof EVENTS_EXCEPTIONS)[number];

export class EventsError extends Error {
  constructor(
    readonly type: EventsExceptionName,
    message: string,
  ) {
    super(message);
    this.name = 'EventsError';
  }
}
