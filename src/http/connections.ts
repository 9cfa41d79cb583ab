// What a listener does with each connection before any request: remembers the client's address
// (a socket that the client reset has none left to tell), and refuses a connection from an
// address that already holds as many as it may, so that one client cannot hold every socket.
import type { Socket } from 'node:net';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { metrics } from './metrics.js';

const ADDRESS = Symbol('berth.clientAddress');
type Remembered = Socket & { [ADDRESS]?: string };

export interface ConnectionLimits {
  /** Open connections per client address; 0: unlimited. */
  maxPerAddress: number;
  /** Whether the connections carry TLS (a refusal then cannot be an HTTP answer in clear). */
  tls: boolean;
}

interface ConnectionServer {
  on(event: 'connection', listener: (socket: Socket) => void): unknown;
  on(event: 'secureConnection', listener: (socket: Socket) => void): unknown;
}

const REFUSAL =
  'HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nRetry-After: 1\r\nContent-Type: text/plain\r\nContent-Length: 48\r\n\r\ntoo many connections from this address: retry\r\n';

/** Counts connections per address on `server` and refuses those over the limit. */
export function guardConnections(server: ConnectionServer, limits: ConnectionLimits): void {
  const open = new Map<string, number>();
  server.on('connection', (socket: Remembered) => {
    const address = socket.remoteAddress ?? '';
    socket[ADDRESS] = address;
    const count = (open.get(address) ?? 0) + 1;
    if (limits.maxPerAddress > 0 && count > limits.maxPerAddress) {
      metrics.connectionsRefused++;
      // Nothing this socket sends is read: no request of it is ever served.
      socket.pause();
      socket.on('error', () => {});
      if (limits.tls) socket.destroy();
      else socket.write(REFUSAL, () => socket.destroy());
      return;
    }
    open.set(address, count);
    socket.once('close', () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left > 0) open.set(address, left);
      else open.delete(address);
    });
  });
  // Requests over TLS arrive on the TLS socket, which wraps the one counted above.
  if (limits.tls) {
    server.on('secureConnection', (socket: Remembered) => {
      socket[ADDRESS] = socket.remoteAddress ?? '';
    });
  }
}

/** The address of the client of a request; '' only when it was never known. */
export function clientIp(request: FastifyRequest): string {
  const ip = request.ip as string | undefined;
  if (ip !== undefined) return ip;
  const socket = request.raw.socket as Remembered | undefined;
  return socket?.[ADDRESS] ?? '';
}

/**
 * A refusal sent before the request's body was read closes the connection (HTTP/1.1): the
 * server would otherwise go on reading, and discarding, whatever body the client sends.
 */
export function closeAfterUnreadBody(request: FastifyRequest, reply: FastifyReply): void {
  const raw = request.raw;
  if (reply.statusCode < 400 || raw.httpVersionMajor !== 1 || raw.complete) return;
  const length = request.headers['content-length'];
  if ((length !== undefined && length !== '0') || request.headers['transfer-encoding'] !== undefined)
    reply.header('Connection', 'close');
}
