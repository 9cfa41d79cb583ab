// The scanning index of the metadata port: a registry's scanning configuration, the scans of
// images (asked for, leased by a worker on any node, finished), and the imported advisories.
// Adapter: kysely-scanning.ts.
import type {
  AdvisoryRow,
  ImageScan,
  RegistryScanningConfiguration,
  ScanFinding,
  ScanState,
} from '../domain/records/scanning.js';
import type { EventDeliveryInput } from '../domain/records/events.js';

export interface ScanResult {
  status: Exclude<ScanState, 'IN_PROGRESS'>;
  description: string | null;
  inventory: string | null;
  findings: ScanFinding[];
  advisoriesAt: number | null;
  sbomDigest: string | null;
}

export interface ScanningIndex {
  /** The registry's configuration; undefined when it never put one. */
  configuration(accountId: string): Promise<RegistryScanningConfiguration | undefined>;
  putConfiguration(accountId: string, configuration: RegistryScanningConfiguration, at: number): Promise<void>;
  /**
   * Asks for a scan of the image: IN_PROGRESS from `at`. With `minIntervalMs`, refused
   * ('limited') when the image's previous scan was asked for less than that long ago. A scan
   * asked for while one is pending stays the one pending.
   */
  request(
    accountId: string,
    repositoryName: string,
    digest: string,
    at: number,
    minIntervalMs?: number,
  ): Promise<ImageScan | 'limited'>;
  /** Leases one IN_PROGRESS scan nobody holds (or whose lease expired) to `node` until `leaseUntil`. */
  claim(node: string, now: number, leaseUntil: number): Promise<ImageScan | undefined>;
  /**
   * Finishes a scan `node` holds, with its events' outbox rows in the same transaction; false
   * (and no rows) when it holds it no more.
   */
  finish(id: string, node: string, at: number, result: ScanResult, events?: EventDeliveryInput[]): Promise<boolean>;
  get(accountId: string, repositoryName: string, digest: string): Promise<ImageScan | undefined>;
  /** The scans of these images of one repository (those that have one). */
  many(accountId: string, repositoryName: string, digests: string[]): Promise<ImageScan[]>;
  /** Finished scans that kept what they found, in id order after `after`: what continuous scanning evaluates again. */
  completed(after: string | undefined, limit: number): Promise<ImageScan[]>;
  /** Replaces a finished scan's findings (evaluated again against new advisories). */
  updateFindings(id: string, findings: ScanFinding[], advisoriesAt: number): Promise<void>;
  /** Adds or replaces advisories (by id, ecosystem and package); returns how many rows were written. */
  putAdvisories(rows: AdvisoryRow[], at: number): Promise<number>;
  /** The advisories naming any of `names` in the ecosystem (OSV's base name: "Debian", not "Debian:12"). */
  advisories(ecosystem: string, names: string[]): Promise<AdvisoryRow[]>;
  /** When advisories were last imported; null when never. */
  advisoriesImportedAt(): Promise<number | null>;
}
