// Settings of what fills and inspects repositories by itself (config.pullThroughCache,
// config.scanning): the upstreams a cache rule may name, and what a scan reads.
import { z } from 'zod';
import { names } from './schema-shapes.js';

/** ECR's pull-through cache: which upstream registries rules may name, and how cached tags are refreshed. */
export const PullThroughCacheConfigSchema = z
  .strictObject({
    /** Upstream hosts (host or host:port, `*.` wildcards) a rule may name. Loopback and private addresses only when listed. */
    allowedHosts: names
      .pipe(
        z.array(z.string().regex(/^(\*\.)?[A-Za-z0-9.-]+(:\d{1,5})?$/, 'must be a host name, host:port or *.domain')),
      )
      .default([
        'registry-1.docker.io',
        'public.ecr.aws',
        'quay.io',
        'registry.k8s.io',
        'ghcr.io',
        '*.azurecr.io',
        'registry.gitlab.com',
        'cgr.dev',
        '*.amazonaws.com',
      ]),
    /** Hours a cached tag is served before it is checked upstream again (digests are never re-checked). */
    refreshHours: z.number().min(0).max(8760).default(24),
    /** Milliseconds an upstream has to answer before the cached content is served instead. */
    upstreamTimeoutMs: z.number().int().min(100).max(600_000).default(10_000),
    /** A PEM file of the CAs that sign upstreams' certificates; empty: the system's. */
    caBundle: z.string().default(''),
    /** Use http:// (not https://) for upstream URLs without a scheme on loopback hosts (tests). */
    plainHttpLoopback: z.boolean().default(false),
  })
  .prefault({});

/** Image scanning (scanning/): the scan workers every node runs, and what a scan reads. */
export const ScanningConfigSchema = z
  .strictObject({
    /** Seconds a node holds a scan before another may take it over (a node that died mid-scan). */
    leaseSeconds: z.number().int().min(10).max(86_400).default(1800),
    /** Milliseconds between looks for scans asked for on other nodes (this node's own start at once). */
    pollMilliseconds: z.number().int().min(50).max(600_000).default(2000),
    /** Milliseconds without a new push (or StartImageScan) before this node's scans run: a burst of pushes goes first (at most 10 s); a scan running within this time of a push reads in short turns (scanning/pacing.ts). */
    settleMilliseconds: z.number().int().min(0).max(10_000).default(1000),
    /** The largest package database or lockfile a scan reads (MiB); a larger one is skipped and said so. */
    maxFileMegabytes: z.number().int().min(1).max(1024).default(32),
    /** The largest jar a scan reads into memory to look inside (MiB); a larger one is skipped and said so. */
    maxJarMegabytes: z.number().int().min(1).max(1024).default(64),
  })
  .prefault({});
