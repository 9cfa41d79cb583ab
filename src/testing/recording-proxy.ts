// A recording proxy for tests: every request is passed on unchanged to `target` and noted
// (method, URL, request headers, and the status once answered), so a test can check what a
// client asked a server (skopeo of Berth, Berth of its S3 store) without trusting either to say.
import { createServer, request, type IncomingHttpHeaders } from 'node:http';

export interface Exchange {
  method: string;
  /** Path and query as sent. */
  url: string;
  headers: IncomingHttpHeaders;
  /** The answer's status; 0 until it came (or when the target never answered). */
  status: number;
}

export interface RecordingProxy {
  /** host:port, and the same as an http:// URL. */
  host: string;
  url: string;
  exchanges: Exchange[];
  close(): Promise<void>;
}

export async function recordingProxy(
  target: string,
  onRequest?: (method: string, url: string) => void,
): Promise<RecordingProxy> {
  const upstream = new URL(target);
  const exchanges: Exchange[] = [];
  const server = createServer((req, res) => {
    onRequest?.(req.method ?? '', req.url ?? '');
    const exchange: Exchange = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, status: 0 };
    exchanges.push(exchange);
    const { connection: _c, 'keep-alive': _k, ...headers } = req.headers;
    const forward = request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers, agent: false },
      (answer) => {
        exchange.status = answer.statusCode ?? 0;
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on('error', (err) => res.destroy(err));
    // A client that hangs up mid-answer must not leave the connection to the target open: the
    // target could then never close.
    res.on('close', () => forward.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  const address = server.address();
  if (!address || typeof address !== 'object') throw new Error('proxy has no address');
  const host = `127.0.0.1:${address.port}`;
  return {
    host,
    url: `http://${host}`,
    exchanges,
    close() {
      server.closeAllConnections();
      return new Promise((closed) => server.close(() => closed()));
    },
  };
}
