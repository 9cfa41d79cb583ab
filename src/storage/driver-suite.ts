// The one test suite of the storage driver port (driver.ts): every driver (fs, s3, ...) runs it
// from a ten-line test file. It works below one fresh root per run and fails if files are left.
// Its cases are in parts (driver-suite-*.ts), run here in one describe on one driver.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe } from 'node:test';
import type { StorageDriver } from './driver.js';
import { runClassSuite } from './driver-suite-classes.js';
import { isNotFound } from './driver-suite-fixtures.js';
import { runReadSuite } from './driver-suite-reads.js';
import { runTreeSuite } from './driver-suite-tree.js';
import { runWriterSuite } from './driver-suite-writer.js';

export interface DriverUnderTest {
  driver: StorageDriver;
  /** Releases the driver; may fail when it finds something the suite should have removed. */
  teardown(): Promise<void>;
}

export function runDriverSuite(name: string, factory: () => Promise<DriverUnderTest>): void {
  describe(`storage driver suite: ${name}`, () => {
    let subject: DriverUnderTest;
    let driver: StorageDriver;
    // One fresh root per run keeps runs apart (a shared bucket, say) and bounds the final check.
    const root = `/driver-suite-${randomUUID()}`;
    let dirs = 0;
    /** A fresh directory path for one test. */
    const fresh = () => `${root}/t${++dirs}`;

    before(async () => {
      subject = await factory();
      driver = subject.driver;
    });

    after(async () => {
      // Every test deletes what it made; a file still here is a leak (a temp file, a failed
      // cancel, a delete that left children) and fails the suite.
      const failures: unknown[] = [];
      try {
        const left: string[] = [];
        await driver
          .walk(root, (info) => {
            if (!info.isDir) left.push(info.path);
          })
          .catch((err) => (isNotFound(err) ? undefined : Promise.reject(err)));
        assert.deepEqual(left, [], `files left behind under ${root}`);
        await driver.delete(root).catch((err) => (isNotFound(err) ? undefined : Promise.reject(err)));
      } catch (err) {
        failures.push(err);
      }
      await subject.teardown().catch((err) => failures.push(err));
      if (failures.length === 1) throw failures[0];
      if (failures.length > 1)
        throw new AggregateError(
          failures,
          `driver suite teardown failed: ${failures.map((f) => (f as Error).message).join('; ')}`,
        );
    });

    runReadSuite(() => driver, fresh);
    runWriterSuite(() => driver, fresh);
    runTreeSuite(() => driver, fresh);
    runClassSuite(() => driver, fresh);
  });
}
