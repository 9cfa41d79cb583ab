// The in-process Berth (no socket) of a test file that drives the HTTP surface by injection:
// started before the file's tests, closed after them.
import { after, before } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { startBerth, type TestBerth } from './server.js';

/** Call at the top of a test file; inside tests, `berth.app` is the server to inject into. */
export function useInjectedBerth(): { readonly app: FastifyInstance; readonly server: TestBerth } {
  let server: TestBerth | undefined;
  before(async () => {
    server = await startBerth({ listen: false });
  });
  after(() => server?.close());
  return {
    get server() {
      if (!server) throw new Error('the test Berth starts in a before hook: use it inside tests');
      return server;
    },
    get app() {
      return this.server.berth.app;
    },
  };
}
