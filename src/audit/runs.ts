// A flush's events gathered into runs: events that differ only in time and request id (a client
// pulling one image again and again) become one row, so a flush of a thousand pulls writes a few
// rows, not a thousand (the cost of a row and its index entries was most of what auditing cost
// a pull). A run holds at most MAX_RUN_EVENTS events within MAX_RUN_SPAN_MS.
import {
  type AuditMember,
  type AuditRecord,
  type AuditRun,
  MAX_RUN_EVENTS,
  MAX_RUN_SPAN_MS,
} from '../domain/records/audit.js';

/** What an event holds but its id, time and request id: the same for every event of a run. */
export type AuditFields = Omit<AuditRecord, 'eventId' | 'eventTime' | 'requestId'>;

/** Parameters longer than this (an API call's body) are not compared: the event is a run of its own. */
const MAX_KEYED_PARAMETERS = 1024;

const part = (value: string | null) => (value === null ? '\u0001' : value);

/** The fields as one string: events with equal keys share a run. */
function keyOf(f: AuditFields): string {
  return `${f.accountId}\0${f.eventName}\0${f.eventSource}\0${f.readOnly ? 1 : 0}\0${part(f.username)}\0${part(f.accessKeyId)}\0${part(f.resourceType)}\0${part(f.resourceName)}\0${part(f.identity)}\0${f.sourceIp}\0${part(f.userAgent)}\0${part(f.parameters)}\0${part(f.errorCode)}\0${part(f.errorMessage)}`;
}

/** A run being gathered: its events' times and request ids in plain arrays (no object per event while it waits). */
interface OpenRun {
  fields: AuditFields;
  times: number[];
  requestIds: string[];
  first: number;
  last: number;
}

/** The fields are those of the run (most strings are the same objects: compared at once). */
function same(f: AuditFields, r: AuditFields): boolean {
  return (
    f.accountId === r.accountId &&
    f.eventName === r.eventName &&
    f.eventSource === r.eventSource &&
    f.readOnly === r.readOnly &&
    f.username === r.username &&
    f.accessKeyId === r.accessKeyId &&
    f.resourceType === r.resourceType &&
    f.resourceName === r.resourceName &&
    f.identity === r.identity &&
    f.sourceIp === r.sourceIp &&
    f.userAgent === r.userAgent &&
    f.parameters === r.parameters &&
    f.errorCode === r.errorCode &&
    f.errorMessage === r.errorMessage
  );
}

/** An event at this time may join the run: the run stays within MAX_RUN_SPAN_MS and MAX_RUN_EVENTS. */
function joins(run: OpenRun, eventTime: number): boolean {
  return (
    Math.max(run.last, eventTime) - Math.min(run.first, eventTime) <= MAX_RUN_SPAN_MS &&
    run.times.length < MAX_RUN_EVENTS
  );
}

/** The run's events in time order: the earliest first (its id the run's), the others after it. */
function closed(run: OpenRun, newId: (ms: number) => string): AuditRun {
  const { times, requestIds } = run;
  let order: number[] | undefined;
  for (let i = 1; i < times.length; i++)
    if (times[i]! < times[i - 1]!) {
      // Requests finish out of the order they came in (their time is their arrival).
      order = Array.from(times, (_, k) => k).sort((a, b) => times[a]! - times[b]! || a - b);
      break;
    }
  const at = (k: number) => (order ? order[k]! : k);
  const others: AuditMember[] = [];
  for (let k = 1; k < times.length; k++) others.push({ eventTime: times[at(k)]!, requestId: requestIds[at(k)]! });
  const first = at(0);
  return {
    ...run.fields,
    eventId: newId(times[first]!),
    eventTime: times[first]!,
    requestId: requestIds[first]!,
    ...(others.length > 0 && { others }),
  };
}

/**
 * Gathers events into runs as they are recorded, keeping per event only its time and request
 * id (the request's own fields are dropped at once, so a buffered pull holds little memory
 * that the garbage collector would have to carry along); `take` hands the runs over.
 */
export class RunBuilder {
  /** Events added since the last take. */
  events = 0;
  private runs: OpenRun[] = [];
  private open = new Map<string, OpenRun>();
  /** The run the last event went to: the next one is most often of the same (no key made). */
  private last: OpenRun | undefined;

  /** `newId(ms)`: the id of a run starting at that millisecond. */
  constructor(private readonly newId: (ms: number) => string) {}

  add(fields: AuditFields, eventTime: number, requestId: string): void {
    this.events++;
    const last = this.last;
    if (last && same(fields, last.fields) && joins(last, eventTime)) {
      this.join(last, eventTime, requestId);
      return;
    }
    const key =
      fields.parameters !== null && fields.parameters.length > MAX_KEYED_PARAMETERS ? undefined : keyOf(fields);
    const run = key === undefined ? undefined : this.open.get(key);
    if (run && joins(run, eventTime)) {
      this.last = run;
      this.join(run, eventTime, requestId);
      return;
    }
    const started: OpenRun = { fields, times: [eventTime], requestIds: [requestId], first: eventTime, last: eventTime };
    this.runs.push(started);
    this.last = started;
    if (key !== undefined) this.open.set(key, started);
  }

  private join(run: OpenRun, eventTime: number, requestId: string): void {
    run.times.push(eventTime);
    run.requestIds.push(requestId);
    if (eventTime < run.first) run.first = eventTime;
    if (eventTime > run.last) run.last = eventTime;
  }

  /** The runs gathered, each in time order; the builder starts again empty. */
  take(): AuditRun[] {
    const runs = this.runs.map((run) => closed(run, this.newId));
    this.runs = [];
    this.open = new Map();
    this.last = undefined;
    this.events = 0;
    return runs;
  }
}
