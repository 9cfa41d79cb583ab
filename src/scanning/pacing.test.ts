// Scans give way to pushes: while pushes arrive, a scan reads in turns of workMs and rests restMs
// between them (at most a quarter of the time by default); once pushes stop, it reads at full
// speed. Driven through the real scanner on a real Debian-style image, on a clock of the test's
// own, so the turns are counted exactly.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ImageContent } from '../domain/image-content.js';
import { compress, debianLayers, tarOf } from '../testing/scan-images.js';
import { ScanPacer } from './pacing.js';
import { Scanner } from './scanner.js';

const ACCOUNT = '123456789012';
const REPOSITORY = 'app';
const IMAGE = `sha256:${'a'.repeat(64)}`;

/** An image of debianLayers() whose layer arrives in pieces of 4 bytes, each costing `pieceMs` on `clock`. */
function debianImage(clock: { t: number }, pieceMs: number): ImageContent & { pushed: string[] } {
  const layers = debianLayers().map((files, i) => ({
    digest: `sha256:${String(i).padStart(64, '0')}`,
    bytes: compress(tarOf(files), 'gzip'),
  }));
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: `sha256:${'c'.repeat(64)}`, size: 2 },
      layers: layers.map((l) => ({
        mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
        digest: l.digest,
        size: l.bytes.length,
      })),
    }),
  );
  const pushed: string[] = [];
  return {
    pushed,
    async manifest() {
      return { mediaType: 'application/vnd.oci.image.manifest.v1+json', bytes: manifest };
    },
    async *blob(_account, _repository, digest) {
      const bytes = layers.find((l) => l.digest === digest)!.bytes;
      for (let at = 0; at < bytes.length; at += 4) {
        clock.t += pieceMs;
        yield bytes.subarray(at, at + 4);
      }
    },
    async pushBlob(_account, _repository, digest) {
      pushed.push(digest);
    },
    async pushManifest(_account, _repository, digest) {
      pushed.push(digest);
    },
  };
}

function pacedScanner(clock: { t: number }, pieceMs: number) {
  const rested: number[] = [];
  const pacer = new ScanPacer({
    activeMs: 1_000,
    workMs: 10,
    restMs: 30,
    now: () => clock.t,
    rest: async (ms) => {
      rested.push(clock.t);
      clock.t += ms;
    },
  });
  const content = debianImage(clock, pieceMs);
  const scanner = new Scanner(content, async () => [], {
    maxFileBytes: 1024 * 1024,
    maxJarBytes: 1024 * 1024,
    maxBinaryBytes: 1024 * 1024,
    advisoriesAt: async () => null,
    pacer,
  });
  return { pacer, rested, scanner, content };
}

const packagesOf = (result: { inventory: string | null }) =>
  (JSON.parse(result.inventory ?? '{"packages":[]}') as { packages: Array<{ name: string; version: string }> }).packages
    .map((p) => `${p.name}@${p.version}`)
    .sort();

describe('scans give way to pushes', () => {
  it('reads at full speed with no push, in turns of at most a quarter of the time while pushes arrive, and finds the same packages', async () => {
    const quiet = pacedScanner({ t: 10_000 }, 10);
    const unpaced = await quiet.scanner.scan({ accountId: ACCOUNT, repositoryName: REPOSITORY, digest: IMAGE });
    assert.equal(unpaced.status, 'COMPLETE');
    assert.equal(quiet.rested.length, 0, 'no push: no rest');
    assert.ok(packagesOf(unpaced).includes('bash@5.2.15-2+b2'), packagesOf(unpaced).join(' '));

    const clock = { t: 10_000 };
    const busy = pacedScanner(clock, 10);
    busy.pacer.pushed();
    const started = clock.t;
    const paced = await busy.scanner.scan({ accountId: ACCOUNT, repositoryName: REPOSITORY, digest: IMAGE });
    assert.deepEqual(packagesOf(paced), packagesOf(unpaced), 'pacing changes when, not what');
    assert.equal(paced.status, 'COMPLETE');
    // The pushes were a second ago at most for the first thousand milliseconds: rests every 10 ms of reading.
    const duringPushes = busy.rested.filter((at) => at < started + 1_000);
    assert.ok(duringPushes.length >= 20, `rested ${duringPushes.length} times while pushes arrived`);
    for (let i = 1; i < duringPushes.length; i++) {
      const turn = duringPushes[i]! - duringPushes[i - 1]!;
      assert.ok(turn >= 40 && turn <= 41, `a rest of 30 ms after each 10 ms of reading (${turn} ms between rests)`);
    }
    // A second after the push, it reads at full speed again.
    assert.ok(
      busy.rested.every((at) => at < started + 1_000),
      'no rest once pushes stopped',
    );
    assert.ok(clock.t - started > 1_000, 'the image takes longer than the pushes lasted, so both phases were seen');
  });
});
