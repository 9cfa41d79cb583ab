// A webhook receiver for the events tests: an HTTP server on a chosen loopback port that records
// every delivery (headers and body), deduplicates by the event id header, and can drop the first
// answer to each event (it keeps the event but answers 500, as a receiver whose acknowledgement
// was lost), so the sender's retries show. Not listening until `up()`: the receiver is down.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';

export interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export class WebhookReceiver {
  readonly all: Received[] = [];
  /** The first delivery of each event id to each path, in arrival order. */
  readonly unique = new Map<string, Received>();
  private server: Server | undefined;

  constructor(
    readonly port: number,
    private readonly options: { loseFirstAnswer?: boolean } = {},
  ) {}

  url(path = '/hook'): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  async up(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const path = req.url ?? '/';
        const received = { path, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
        this.all.push(received);
        const id = `${path} ${String(req.headers['berth-event-id'])}`;
        const first = !this.unique.has(id);
        if (first) this.unique.set(id, received);
        res.statusCode = first && this.options.loseFirstAnswer ? 500 : 204;
        res.end();
      });
    });
    const server = this.server;
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
  }

  async down(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** Waits until `check` holds (polling), or fails after `ms`. */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  ms = 20_000,
  what = 'condition',
): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
