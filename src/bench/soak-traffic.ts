// The soak's traffic against one registry on loopback: registry clients that push, pull, list and
// delete small images, and stalled clients (a blob GET that is never read; an upload that sends
// part of its body and stops). Every loop ends at a deadline and after a bounded number of turns.
import { randomBytes, randomInt } from 'node:crypto';
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { bodyOf, call, makeBody, MiB, type Body, type Response } from './http.js';

const OCTET = { 'Content-Type': 'application/octet-stream' };
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
/** No loop turns more often than this, whatever the duration (the traffic is bounded in count too). */
const MAX_TURNS_PER_LOOP = 1_000_000;

/** What the traffic saw, per operation kind. */
export class Tally {
  readonly latencies = new Map<string, number[]>();
  readonly statuses = new Map<string, Map<number, number>>();
  /** Responses with an unexpected status or a failed check, and transport errors, by kind. */
  readonly failures = new Map<string, number>();
  readonly examples: string[] = [];
  serverErrors = 0;

  record(kind: string, ms: number): void {
    const list = this.latencies.get(kind) ?? [];
    list.push(ms);
    this.latencies.set(kind, list);
  }

  status(kind: string, status: number): void {
    const byStatus = this.statuses.get(kind) ?? new Map<number, number>();
    byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
    this.statuses.set(kind, byStatus);
    if (status >= 500) this.serverErrors++;
  }

  fail(kind: string, why: string): void {
    this.failures.set(kind, (this.failures.get(kind) ?? 0) + 1);
    if (this.examples.length < 20) this.examples.push(`${kind}: ${why}`);
  }
}

export interface TrafficOptions {
  base: string;
  deadline: number;
  workers: number;
  stalledGets: number;
  stalledUploads: number;
  /** How long a stalled client holds its connection, in ms (uniform in [min, max]). */
  stallMs: [number, number];
  agent: http.Agent;
}

interface Image {
  repository: string;
  tag: string;
  digest: string;
  manifest: string;
  blobs: Body[];
}

const REPOSITORIES = ['soak/alpha', 'soak/beta', 'soak/team/gamma', 'soak/delta'];

/** Layers shared between images (pushed again and again: dedup), made once. */
function layerPool(): Body[] {
  return Array.from({ length: 16 }, (_, i) => makeBody(16 * 1024 * (i + 1), 16 * 1024 * (i + 1)));
}

export class Traffic {
  readonly tally = new Tally();
  private readonly images: Image[] = [];
  private readonly pool = layerPool();
  /** A blob large enough that neither socket buffer holds it: a stalled GET really stalls. */
  private readonly big = makeBody(16 * MiB);
  private pushed = 0;

  constructor(private readonly options: TrafficOptions) {}

  private async timed(kind: string, expected: number[], work: () => Promise<Response>): Promise<Response | undefined> {
    const started = performance.now();
    try {
      const response = await work();
      this.tally.record(kind, performance.now() - started);
      this.tally.status(kind, response.status);
      if (!expected.includes(response.status))
        this.tally.fail(kind, `HTTP ${response.status} ${response.text.slice(0, 200)}`);
      return response;
    } catch (err) {
      this.tally.record(kind, performance.now() - started);
      this.tally.fail(kind, (err as Error).message);
      return undefined;
    }
  }

  private url(path: string): string {
    return `${this.options.base}${path}`;
  }

  private async uploadBlob(repository: string, body: Body): Promise<boolean> {
    const agent = this.options.agent;
    const started = await this.timed('blob upload: POST', [202], () =>
      call('POST', this.url(`/v2/${repository}/blobs/uploads/`), { agent }),
    );
    const where = started?.headers.location;
    if (!where) return false;
    const target = new URL(where, this.options.base);
    target.searchParams.set('digest', body.digest);
    const url = `${this.options.base}${target.pathname}${target.search}`;
    const done = await this.timed('blob upload: PUT', [201], () =>
      call('PUT', url, { agent, headers: OCTET, stream: { body, start: 0, end: body.size } }),
    );
    return done?.status === 201;
  }

  /** Pushes an image: a unique config, a unique small layer, one or two shared layers, the manifest. */
  async push(): Promise<void> {
    const repository = REPOSITORIES[randomInt(REPOSITORIES.length)]!;
    const config = bodyOf(
      Buffer.from(
        JSON.stringify({
          architecture: 'amd64',
          os: 'linux',
          config: {},
          rootfs: { type: 'layers', diff_ids: [] },
          soak: randomBytes(8).toString('hex'),
        }),
      ),
    );
    const unique = bodyOf(randomBytes(randomInt(1024, 16 * 1024)));
    const shared = Array.from({ length: randomInt(1, 3) }, () => this.pool[randomInt(this.pool.length)]!);
    const blobs = [config, unique, ...shared];
    for (const blob of blobs) if (!(await this.uploadBlob(repository, blob))) return;
    const manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: config.digest, size: config.size },
      layers: [unique, ...shared].map((b) => ({
        mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
        digest: b.digest,
        size: b.size,
      })),
    });
    const tag = `t${this.pushed++}`;
    const put = await this.timed('manifest PUT', [201], () =>
      call('PUT', this.url(`/v2/${repository}/manifests/${tag}`), {
        agent: this.options.agent,
        headers: { 'Content-Type': OCI_MANIFEST },
        data: manifest,
      }),
    );
    if (put?.status !== 201) return;
    this.images.push({ repository, tag, digest: bodyOf(Buffer.from(manifest)).digest, manifest, blobs });
    // Bounded: the oldest images drop out of the working set (they stay stored).
    if (this.images.length > 200) this.images.splice(0, this.images.length - 200);
  }

  /** Pulls an image as a client does: the manifest by tag, then every blob, each checked. */
  async pull(): Promise<void> {
    const image = this.images[randomInt(Math.max(this.images.length, 1))];
    if (!image) return this.push();
    const agent = this.options.agent;
    const manifest = await this.timed('manifest GET', [200, 404], () =>
      call('GET', this.url(`/v2/${image.repository}/manifests/${image.tag}`), {
        agent,
        headers: { Accept: OCI_MANIFEST },
      }),
    );
    if (manifest?.status !== 200) return; // deleted by another worker meanwhile
    if (manifest.text !== image.manifest)
      this.tally.fail('manifest GET', `${image.repository}:${image.tag} came back different`);
    for (const blob of image.blobs) {
      const got = await this.timed('blob GET', [200], () =>
        call('GET', this.url(`/v2/${image.repository}/blobs/${blob.digest}`), { agent, collect: false }),
      );
      if (got?.status === 200 && got.bytes !== blob.size)
        this.tally.fail('blob GET', `${blob.digest}: ${got.bytes} bytes, expected ${blob.size}`);
    }
  }

  /** Deletes an image's manifest by digest, then checks it is gone. */
  async remove(): Promise<void> {
    if (this.images.length < 10) return this.push();
    const image = this.images.splice(randomInt(this.images.length), 1)[0]!;
    await this.timed('manifest DELETE', [202, 404], () =>
      call('DELETE', this.url(`/v2/${image.repository}/manifests/${image.digest}`), { agent: this.options.agent }),
    );
  }

  async list(): Promise<void> {
    const repository = REPOSITORIES[randomInt(REPOSITORIES.length)]!;
    await this.timed('tags list', [200, 404], () =>
      call('GET', this.url(`/v2/${repository}/tags/list?n=50`), { agent: this.options.agent }),
    );
  }

  /** Pushes the big blob the stalled GETs read, once. */
  async setup(): Promise<void> {
    await this.push();
    if (!(await this.uploadBlob('soak/stall', this.big)))
      throw new Error(
        `soak setup: the ${this.big.size}-byte blob for stalled GETs did not upload: ${this.tally.examples.join('; ')}`,
      );
  }

  private until(loop: () => Promise<void>): Promise<void> {
    return (async () => {
      for (let turn = 0; turn < MAX_TURNS_PER_LOOP && Date.now() < this.options.deadline; turn++) await loop();
    })();
  }

  private stallMs(): number {
    const [min, max] = this.options.stallMs;
    return Math.min(randomInt(min, max + 1), Math.max(0, this.options.deadline - Date.now()));
  }

  /** A blob GET whose body is never read: the headers arrive, then the client holds the socket. */
  private stalledGet(): Promise<void> {
    return new Promise((resolve) => {
      const started = performance.now();
      const request = http.request(this.url(`/v2/soak/stall/blobs/${this.big.digest}`), { agent: false });
      let timer: NodeJS.Timeout | undefined;
      let ours = false;
      const finish = () => {
        ours = true;
        clearTimeout(timer);
        request.destroy();
        resolve();
      };
      request.once('response', (response) => {
        this.tally.status('stalled GET', response.statusCode ?? 0);
        this.tally.record('stalled GET (headers)', performance.now() - started);
        response.pause();
        timer = setTimeout(finish, this.stallMs());
        response.once('close', () => {
          // The server gave up on the stalled reader before the client let go: note when.
          if (!ours) this.tally.record('stalled GET (closed by server)', performance.now() - started);
          else this.tally.record('stalled GET (held by client)', performance.now() - started);
          finish();
        });
      });
      request.once('error', (err) => {
        this.tally.fail('stalled GET', err.message);
        finish();
      });
      request.end();
    });
  }

  /** An upload that declares a body, sends part of it, and stops: a PATCH or a monolithic PUT. */
  private async stalledUpload(): Promise<void> {
    const started = await this.timed('blob upload: POST', [202], () =>
      call('POST', this.url('/v2/soak/stall/blobs/uploads/'), { agent: this.options.agent }),
    );
    const where = started?.headers.location;
    if (!where) return;
    const target = new URL(where, this.options.base);
    const put = randomInt(2) === 0;
    if (put) target.searchParams.set('digest', `sha256:${'0'.repeat(64)}`);
    const declared = 4 * MiB;
    await new Promise<void>((resolve) => {
      const request = http.request(`${this.options.base}${target.pathname}${target.search}`, {
        method: put ? 'PUT' : 'PATCH',
        agent: false,
        headers: { ...OCTET, 'Content-Length': declared, ...(put ? {} : { 'Content-Range': `0-${declared - 1}` }) },
      });
      const began = performance.now();
      let ours = false;
      const timer = setTimeout(() => {
        ours = true;
        request.destroy();
        resolve();
      }, this.stallMs());
      request.once('response', (response) => {
        // The server answered before the body was whole (it gave up on the client): note it.
        this.tally.status('stalled upload', response.statusCode ?? 0);
        response.resume();
      });
      request.once('error', () => {
        /* destroyed by us, or reset by the server: both expected */
      });
      request.once('close', () => {
        clearTimeout(timer);
        this.tally.record(
          ours ? 'stalled upload (held by client)' : 'stalled upload (closed by server)',
          performance.now() - began,
        );
        resolve();
      });
      request.write(randomBytes(randomInt(1, 256 * 1024)));
    });
  }

  /** Runs every loop until the deadline. */
  run(): Promise<void> {
    const { workers, stalledGets, stalledUploads } = this.options;
    const mixed = async () => {
      const roll = randomInt(100);
      if (roll < 35) await this.push();
      else if (roll < 80) await this.pull();
      else if (roll < 90) await this.remove();
      else await this.list();
    };
    return Promise.all([
      ...Array.from({ length: workers }, () => this.until(mixed)),
      ...Array.from({ length: stalledGets }, () => this.until(() => this.stalledGet())),
      ...Array.from({ length: stalledUploads }, () => this.until(() => this.stalledUpload())),
    ]).then(() => undefined);
  }
}
