// Every listener Berth has is made here, so each serves the same way: HTTPS when TLS is
// configured — HTTP/2 where the client offers it (ALPN h2), HTTP/1.1 where it does not — with
// the certificate reloaded in place (new connections get the new one, open ones go on); plain
// HTTP/1.1 only when TLS is not configured.
import type { Server } from 'node:http';
import type { Http2SecureServer, Http2Session } from 'node:http2';
import type { TLSSocket } from 'node:tls';
import Fastify, { type FastifyHttp2SecureOptions, type FastifyHttpOptions, type FastifyInstance } from 'fastify';
import { readTlsCredentials, TlsError, type TlsCredentials, type TlsFiles } from '../tls/credentials.js';
import { closeAfterUnreadBody, guardConnections } from './connections.js';

export type ListenerOptions = FastifyHttpOptions<Server>;

/**
 * How long a client may take, and how many connections it may hold. No deadline covers a whole
 * request: a large upload or download takes as long as it takes while bytes move. What is
 * bounded is waiting: for a request's headers, and for any byte to move either way.
 */
export interface ConnectionSettings {
  /** Milliseconds a client has to send a request's headers. */
  headersTimeoutMs: number;
  /** Milliseconds a connection may pass without a byte read or written before it is closed; 0: never. */
  idleTimeoutMs: number;
  /** Milliseconds an idle keep-alive connection is kept between requests. */
  keepAliveTimeoutMs: number;
  /** Open connections per client address; 0: unlimited. */
  maxConnectionsPerAddress: number;
}

/** The server options that carry the settings (Node checks header deadlines on an interval: a fraction of the deadline). */
function timeoutOptions(settings: ConnectionSettings): Partial<ListenerOptions> {
  const checkEveryMs = Math.max(100, Math.min(30_000, Math.floor(settings.headersTimeoutMs / 4)));
  return {
    http: { headersTimeout: settings.headersTimeoutMs, requestTimeout: 0, connectionsCheckingInterval: checkEveryMs },
    requestTimeout: 0,
    connectionTimeout: settings.idleTimeoutMs,
    keepAliveTimeout: settings.keepAliveTimeoutMs,
    ...(settings.idleTimeoutMs > 0 && { http2SessionTimeout: settings.idleTimeoutMs }),
  } as Partial<ListenerOptions>;
}

export interface Listener {
  readonly app: FastifyInstance;
  /** The files served, undefined on plain HTTP. */
  readonly tls: TlsFiles | undefined;
  /** The certificate served now, undefined on plain HTTP. */
  readonly credentials: TlsCredentials | undefined;
  /** Reads the files again and serves them to new connections; on a TlsError the old ones stay. */
  reloadTls(): TlsCredentials;
  /** Cuts every connection (the end of a stop's grace period). */
  closeAllConnections(): void;
}

export function createListener(given: ListenerOptions, settings: ConnectionSettings, tls?: TlsFiles): Listener {
  const options = { ...given, ...timeoutOptions(settings) } as ListenerOptions;
  if (!tls) {
    const app = Fastify(options);
    guardConnections(app.server, { maxPerAddress: settings.maxConnectionsPerAddress, tls: false });
    app.addHook('onSend', async (request, reply) => closeAfterUnreadBody(request, reply));
    return {
      app,
      tls: undefined,
      credentials: undefined,
      reloadTls() {
        throw new TlsError('TLS is not configured: there is no certificate to reload');
      },
      closeAllConnections: () => app.server.closeAllConnections(),
    };
  }
  let credentials = readTlsCredentials(tls);
  const secure: FastifyHttp2SecureOptions<Http2SecureServer> = {
    ...(options as object),
    http2: true,
    https: { allowHTTP1: true, cert: credentials.cert, key: credentials.key },
  };
  // Handlers use only what HTTP/1.1 and Node's HTTP/2 compatibility API share (headers, status,
  // streamed bodies; the host from Host or :authority), and every face is tested over both, so
  // the rest of Berth sees one instance type.
  const app = Fastify(secure) as unknown as FastifyInstance;
  const server = app.server as unknown as Http2SecureServer & {
    requestTimeout: number;
    headersTimeout: number;
    keepAliveTimeout: number;
  };
  // HTTP/1.1 on this server keeps the plain server's limits: no deadline for a whole request
  // (Node's default of 5 minutes here would cut a large upload), the same header deadline and keep-alive.
  server.requestTimeout = 0;
  server.headersTimeout = settings.headersTimeoutMs;
  server.keepAliveTimeout = settings.keepAliveTimeoutMs;
  guardConnections(server, { maxPerAddress: settings.maxConnectionsPerAddress, tls: true });
  app.addHook('onSend', async (request, reply) => closeAfterUnreadBody(request, reply));
  // An HTTP/2 request names its host in :authority; Host is what handlers, host-based accounts
  // and SigV4 (which signs "host") read, as on HTTP/1.1.
  app.addHook('onRequest', (request, _reply, done) => {
    const authority = request.headers[':authority'];
    if (request.headers.host === undefined && typeof authority === 'string') request.headers.host = authority;
    done();
  });
  const idle = trackConnections(server);
  app.addHook('preClose', (done) => {
    idle.closeIdle();
    done();
  });
  return {
    app,
    tls,
    get credentials() {
      return credentials;
    },
    reloadTls() {
      const next = readTlsCredentials(tls);
      server.setSecureContext({ cert: next.cert, key: next.key });
      credentials = next;
      return next;
    },
    closeAllConnections: () => idle.closeAll(),
  };
}

/**
 * The connections of an HTTP/2 + HTTP/1.1 server, so that a stop can close what is idle at once
 * (Node's HTTP/2 server has no closeIdleConnections/closeAllConnections for its sessions and
 * fallback sockets): HTTP/2 sessions are closed gracefully (open streams finish), HTTP/1.1
 * sockets are closed when no request is in flight on them, or as soon as the last one ends.
 */
function trackConnections(server: Http2SecureServer): { closeIdle(): void; closeAll(): void } {
  const sockets = new Set<TLSSocket>();
  const sessions = new Set<Http2Session>();
  const inFlight = new Map<object, number>();
  let closing = false;
  server.on('secureConnection', (socket: TLSSocket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  server.on('session', (session: Http2Session) => {
    sessions.add(session);
    session.once('close', () => sessions.delete(session));
  });
  server.on('request', (req, res) => {
    if (req.httpVersionMajor >= 2) return;
    const socket = req.socket;
    inFlight.set(socket, (inFlight.get(socket) ?? 0) + 1);
    res.once('close', () => {
      const left = (inFlight.get(socket) ?? 1) - 1;
      if (left > 0) return void inFlight.set(socket, left);
      inFlight.delete(socket);
      if (closing) socket.end();
    });
  });
  return {
    closeIdle() {
      closing = true;
      for (const session of sessions) session.close();
      for (const socket of sockets) if (socket.alpnProtocol !== 'h2' && !inFlight.has(socket)) socket.end();
    },
    closeAll() {
      for (const session of sessions) session.destroy();
      for (const socket of sockets) socket.destroy();
    },
  };
}
