// An upload survives the process dying at every step of its writes: the state each step leaves
// (a PATCH's segments without their tail file, a write cut midway, a completion's final segment
// written or made durable before the digest is recorded, the digest recorded before the move) is
// made by failing that step, the server is started again over the same data dir, and the upload
// must report what it holds and complete. 64 KiB-aligned sizes, whose final segment is whole, too.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { startBerth, tempDir, type TestBerth } from '../testing/server.js';
import { digestOf, randomBlob, startUpload } from '../testing/registry-client.js';
import { assertBlob, assertBlobCreated, patchUpload, putUpload } from '../testing/upload-client.js';
import { uploadDataPath } from '../storage/layout.js';
import { SEALED_SEGMENT, SEGMENT } from '../storage/encryption/segments.js';
import type { FileWriter } from '../storage/driver.js';
import { callApi } from '../testing/api-client.js';

const NAME = 'crash/points';
/** A repository whose data keys are wrapped by a KMS key (the account's default ECR key). */
const KMS_NAME = 'crash/kms';

/** Makes the process "die" at one step: that step fails, and the server is then restarted. */
interface CrashPoint {
  name: string;
  /** Whether the crash comes during the second PATCH (else during the completing PUT). */
  during: 'patch' | 'put';
  /** The state is made directly (a write cut short), without the request that was cut. */
  cut?: boolean;
  /** Arms the failure (or leaves the state a cut write leaves) on the running server. */
  arm(server: TestBerth, id: string): Promise<void> | void;
}

function killed(): Error {
  return new Error('killed -9 here');
}

/** Appends bytes to an upload's data file, as a write cut short leaves them. */
async function appendCut(server: TestBerth, id: string, length: number): Promise<void> {
  const writer = await server.berth.driver.writer(uploadDataPath(id), true);
  await writer.write(
    (async function* () {
      yield Buffer.alloc(length, 0x5a);
    })(),
  );
  await writer.close();
}

const points: CrashPoint[] = [
  {
    name: "a PATCH's segments are written, its tail file is not",
    during: 'patch',
    arm({ berth }) {
      const put = berth.driver.putContent.bind(berth.driver);
      berth.driver.putContent = async (path, content, options) => {
        if (path.endsWith('/tail')) throw killed();
        return put(path, content, options);
      };
    },
  },
  {
    name: 'a PATCH cut midway through a segment',
    during: 'patch',
    cut: true,
    arm: (server, id) => appendCut(server, id, SEALED_SEGMENT / 2),
  },
  {
    name: 'the final segment cut midway',
    during: 'put',
    cut: true,
    arm: (server, id) => appendCut(server, id, SEGMENT / 3),
  },
  {
    name: 'the final segment is written, the process dies before its fsync',
    during: 'put',
    arm({ berth }) {
      const open = berth.driver.writer.bind(berth.driver);
      berth.driver.writer = async (path, append) => {
        const writer = await open(path, append);
        if (!path.endsWith('/data')) return writer;
        return new Proxy(writer, {
          get(target, key) {
            if (key === 'commit')
              return async () => {
                await target.close();
                throw killed();
              };
            const value = Reflect.get(target, key) as unknown;
            return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
          },
        }) as FileWriter;
      };
    },
  },
  {
    name: 'the final segment is durable, the process dies before the digest is recorded',
    during: 'put',
    arm({ berth }) {
      berth.store.uploads.markVerified = async () => {
        throw killed();
      };
    },
  },
  {
    name: 'the digest is recorded, the process dies before the move',
    during: 'put',
    arm({ berth }) {
      berth.driver.move = async () => {
        throw killed();
      };
    },
  },
];

const SIZES = [2 * SEGMENT, 8 * 1024 * 1024, 8 * 1024 * 1024 + 5, 20 * 1024 * 1024];

const CASES = [...SIZES.map((size) => ({ size, name: NAME })), { size: 8 * 1024 * 1024, name: KMS_NAME }];

describe('an upload survives the process dying at each write step', () => {
  for (const { size, name: NAME } of CASES) {
    for (const point of points) {
      test(`${size} bytes${size % SEGMENT === 0 ? ' (64 KiB-aligned)' : ''}${NAME === KMS_NAME ? ', KMS repository' : ''}: ${point.name}`, async () => {
        const dataDir = tempDir();
        const data = randomBlob(size);
        const half = Math.floor(size / 2 / SEGMENT) * SEGMENT || SEGMENT;
        let location: string;
        let confirmed: number;
        try {
          const first = await startBerth({ listen: false, dataDir });
          try {
            const app = first.berth.app;
            if (NAME === KMS_NAME) {
              const created = await callApi(app, 'CreateRepository', {
                repositoryName: NAME,
                encryptionConfiguration: { encryptionType: 'KMS' },
              });
              assert.equal(created.statusCode, 200, created.body);
            }
            location = await startUpload(app, NAME);
            const id = location.split('/').pop()!;
            assert.equal((await patchUpload(app, location, data.subarray(0, half), `0-${half - 1}`)).statusCode, 202);
            confirmed = half;
            if (point.during === 'put') {
              assert.equal(
                (await patchUpload(app, location, data.subarray(half), `${half}-${size - 1}`)).statusCode,
                202,
              );
              confirmed = size;
            }
            await point.arm(first, id);
            if (!point.cut) {
              const cut =
                point.during === 'patch'
                  ? await patchUpload(app, location, data.subarray(half), `${half}-${size - 1}`)
                  : await putUpload(app, location, digestOf(data));
              assert.equal(cut.statusCode, 500, `the crash point was reached: ${cut.statusCode} ${cut.body}`);
            }
          } finally {
            await first.close();
          }

          const second = await startBerth({ listen: false, dataDir });
          try {
            const app = second.berth.app;
            const status = await app.inject({ url: location });
            assert.equal(status.statusCode, 204, status.body);
            const stored = Number(/^0-(\d+)$/.exec(status.headers.range as string)![1]) + 1;
            assert.ok(
              stored >= confirmed && stored <= size,
              `stores ${stored} bytes of ${size}, ${confirmed} acknowledged`,
            );
            if (stored < size) {
              const patched = await patchUpload(app, location, data.subarray(stored), `${stored}-${size - 1}`);
              assert.equal(patched.statusCode, 202, patched.body);
            }
            assertBlobCreated(await putUpload(app, location, digestOf(data)), NAME, digestOf(data));
            await assertBlob(app, NAME, data);
          } finally {
            await second.close();
          }
        } finally {
          rmSync(dataDir, { recursive: true, force: true });
        }
      });
    }
  }
});
