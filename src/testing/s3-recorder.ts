// A recording proxy in front of an S3 endpoint for tests: every request is passed on unchanged
// and noted (method, URL, server-side encryption header), so a test can check what Berth asked
// the store to do, and how, without trusting the store to report it.
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  /** Path and query as sent. */
  url: string;
  /** The x-amz-server-side-encryption header, if any. */
  sse: string | undefined;
}

export interface S3Recorder {
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

export async function startS3Recorder(target: string): Promise<S3Recorder> {
  const upstream = new URL(target);
  const requests: RecordedRequest[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const sse = req.headers['x-amz-server-side-encryption'];
    requests.push({ method: req.method ?? '', url: req.url ?? '', sse: Array.isArray(sse) ? sse.join(',') : sse });
    const forward = httpRequest({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
