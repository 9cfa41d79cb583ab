// A flush's events gathered into runs: events that differ only in time and request id (a client
// pulling one image again and again) become one row, so a flush of a thousand pulls writes a few
// rows, not a thousand (the cost of a row and its index entries was most of what auditing cost
// a pull). Events arrive in time order; a run closes at MAX_RUN_EVENTS or MAX_RUN_SPAN_MS.
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

type OpenRun = AuditRun & { others: AuditMember[] };

/** The fields are those of the run (most strings are the same objects: compared at once). */
function same(f: AuditFields, r: AuditRun): boolean {
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

export class RunBuilder {
  readonly runs: AuditRun[] = [];
  /** Events added. */
  events = 0;
  private readonly open = new Map<string, OpenRun>();
  /** The run the last event went to: the next one is most often of the same (no key made). */
  private last: OpenRun | undefined;

  /** `newId(ms)`: the id of a run starting at that millisecond. */
  constructor(private readonly newId: (ms: number) => string) {}

  /** Adds an event (in time order: not before the last one added). */
  add(fields: AuditFields, eventTime: number, requestId: string): void {
    this.events++;
    const last = this.last;
    if (last && same(fields, last) && this.joins(last, eventTime)) {
      last.others.push({ eventTime, requestId });
      return;
    }
    const key =
      fields.parameters !== null && fields.parameters.length > MAX_KEYED_PARAMETERS ? undefined : keyOf(fields);
    const run = key === undefined ? undefined : this.open.get(key);
    if (run && this.joins(run, eventTime)) {
      run.others.push({ eventTime, requestId });
      this.last = run;
      return;
    }
    const started: OpenRun = { ...fields, eventId: this.newId(eventTime), eventTime, requestId, others: [] };
    this.runs.push(started);
    this.last = started;
    if (key !== undefined) this.open.set(key, started);
  }

  /** An event at this time may join the run. */
  private joins(run: OpenRun, eventTime: number): boolean {
    return eventTime - run.eventTime <= MAX_RUN_SPAN_MS && run.others.length + 1 < MAX_RUN_EVENTS;
  }
}
