// A proxy in front of a peer Berth that passes everything on, notes each request (its method and
// Content-Range), and cuts the connection of the PATCH numbered `breakPatch` once (0: none): a
// replication's transfer that breaks off mid-blob, for the tests of where it resumes.
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface BreakingProxy {
  url: string;
  /** Every request passed on or cut, in order. */
  seen: { method: string; range?: string }[];
  /** The PATCH numbered this (counting from the proxy's start) has its connection cut; 0 for none. */
  breakPatch: number;
  /** The Content-Range of every PATCH, in order. */
  patches(): (string | undefined)[];
  close(): Promise<void>;
}

export async function breakingProxy(target: string): Promise<BreakingProxy> {
  const upstream = new URL(target);
  let patches = 0;
  const server = createServer((req, res) => {
    proxy.seen.push({
      method: req.method ?? '',
      ...(req.headers['content-range'] && { range: req.headers['content-range'] }),
    });
    if (req.method === 'PATCH' && ++patches === proxy.breakPatch) {
      req.socket.destroy();
      return;
    }
    const forward = request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const proxy: BreakingProxy = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen: [],
    breakPatch: 0,
    patches: () => proxy.seen.filter((s) => s.method === 'PATCH').map((s) => s.range),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  return proxy;
}
