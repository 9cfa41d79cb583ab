import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Writable } from 'node:stream';
import Fastify, { LogController } from 'fastify';
import { pino } from 'pino';
import { lazyChildLogger, nextRequestId } from './request-logger.js';

test("a request's lazy logger writes with the request's id, and ids are unique and UUID-shaped", async () => {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  const app = Fastify({
    loggerInstance: pino({ level: 'info' }, sink),
    genReqId: nextRequestId,
    childLoggerFactory: lazyChildLogger,
    logController: new LogController({ disableRequestLogging: true }),
  });
  app.get('/quiet', async () => 'ok');
  app.get('/debugged', { logLevel: 'debug' }, async (request) => {
    assert.equal(request.log.isLevelEnabled('debug'), true, "a route's own level holds from the start");
    request.log.debug('at debug');
    return 'ok';
  });
  app.get('/loud', async (request) => {
    assert.equal(request.log.isLevelEnabled('debug'), false);
    request.log.child({ part: 'inner' }).warn({ n: 1 }, 'from a child');
    request.log.error('from the request');
    return request.id;
  });
  try {
    await app.inject({ url: '/quiet' });
    assert.equal((await app.inject({ url: '/debugged' })).statusCode, 200);
    assert.ok(lines.some((l) => l.msg === 'at debug' && typeof l.reqId === 'string'));
    const first = (await app.inject({ url: '/loud' })).body;
    const second = (await app.inject({ url: '/loud' })).body;
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
    assert.match(first, uuid);
    assert.notEqual(first, second);
    const logged = lines.filter((l) => l.msg === 'from a child' || l.msg === 'from the request');
    assert.deepEqual(
      logged.map((l) => [l.reqId, l.msg, l.part ?? null, l.level]),
      [
        [first, 'from a child', 'inner', 40],
        [first, 'from the request', null, 50],
        [second, 'from a child', 'inner', 40],
        [second, 'from the request', null, 50],
      ],
    );
  } finally {
    await app.close();
  }
});
