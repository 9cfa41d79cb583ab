// Runs: events alike but for time and request id gathered into one, in time order whatever order
// they finished in; another caller, address or parameters starts another; a run stays within
// MAX_RUN_SPAN_MS and MAX_RUN_EVENTS; each event keeps its own id, time and request id.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_RUN_EVENTS, MAX_RUN_SPAN_MS, runEvents } from '../domain/records/audit.js';
import { eventIdAt } from './event.js';
import { type AuditFields, RunBuilder } from './runs.js';

const pull: AuditFields = {
  accountId: '111111111111',
  eventName: 'BatchGetImage',
  eventSource: 'ecr.amazonaws.com',
  readOnly: true,
  username: 'ci',
  accessKeyId: 'AKIAEXAMPLE',
  resourceType: 'AWS::ECR::Repository',
  resourceName: 'app',
  identity: '{"type":"IAMUser"}',
  sourceIp: '192.0.2.1',
  userAgent: 'docker/27',
  parameters: '{"repositoryName":"app","imageTag":"v1"}',
  errorCode: null,
  errorMessage: null,
};

describe('runs of audit events', () => {
  it('gathers events alike into one run in time order, and starts another for any other field', () => {
    const runs = new RunBuilder(eventIdAt);
    runs.add(pull, 1000, 'a');
    runs.add({ ...pull, sourceIp: '192.0.2.2' }, 1001, 'x');
    runs.add({ ...pull }, 1003, 'c');
    runs.add(pull, 999, 'early');
    runs.add({ ...pull, parameters: '{"repositoryName":"app","imageTag":"v2"}' }, 1004, 'y');
    assert.equal(runs.events, 5);
    const taken = runs.take();
    assert.equal(runs.events, 0);
    assert.equal(taken.length, 3);
    const events = runEvents(taken[0]!);
    assert.deepEqual(
      events.map((e) => [e.eventTime, e.requestId]),
      [
        [999, 'early'],
        [1000, 'a'],
        [1003, 'c'],
      ],
    );
    assert.equal(events[0]!.eventId, taken[0]!.eventId);
    assert.ok(taken[0]!.eventId.startsWith('00000000-03e7-7000-'), 'the run is named by its earliest event');
    assert.equal(new Set(events.map((e) => e.eventId)).size, 3);
    for (const e of events) assert.equal(e.sourceIp, '192.0.2.1');
    assert.equal(runEvents(taken[1]!)[0]!.sourceIp, '192.0.2.2');
    assert.deepEqual(runs.take(), []);
  });

  it('keeps a run within its span and size', () => {
    const runs = new RunBuilder(eventIdAt);
    runs.add(pull, 0, 'first');
    runs.add(pull, MAX_RUN_SPAN_MS, 'at the span');
    runs.add(pull, MAX_RUN_SPAN_MS + 1, 'beyond it');
    for (let i = 0; i < MAX_RUN_EVENTS + 1; i++) runs.add(pull, MAX_RUN_SPAN_MS + 1, `r${i}`);
    const taken = runs.take().map((run) => runEvents(run).length);
    assert.deepEqual(taken, [2, MAX_RUN_EVENTS, 2]);
  });
});
