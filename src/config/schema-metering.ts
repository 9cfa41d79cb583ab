// The metering settings (config.metering): how transfer counts are flushed, how often storage
// is sampled, the limits the usage view shows counts against, and the price table estimated
// costs use. The default prices are Amazon ECR's list prices (us-east-1).
import { z } from 'zod';

/** A price tier: `perGb` for the gigabytes (2^30 bytes) up to `upToGb` of the month (cumulative); the last tier has no bound. */
const tiers = z.preprocess(
  (v) => {
    // From a variable (BERTH_METERING_PRICES_STORAGE …): a JSON array.
    if (typeof v !== 'string') return v;
    try {
      return JSON.parse(v) as unknown;
    } catch {
      return v;
    }
  },
  z
    .array(z.strictObject({ upToGb: z.number().positive().optional(), perGb: z.number().min(0) }))
    .min(1)
    .refine(
      (list) => list.every((t, i) => (i === list.length - 1) === (t.upToGb === undefined)),
      'every tier but the last needs upToGb, and the last has none',
    )
    .refine(
      (list) => list.every((t, i) => i === 0 || (t.upToGb ?? Infinity) > list[i - 1]!.upToGb!),
      'tiers must rise: each upToGb above the one before',
    ),
);

export const MeteringConfigSchema = z
  .strictObject({
    /** Count bytes served and sample storage; off: no counting on the pull path and no sampling job. */
    enabled: z.boolean().default(true),
    /** Seconds between a node's flushes of its transfer counts (a pull never writes a row). */
    flushSeconds: z.number().min(0.05).max(3600).default(10),
    /** Minutes between storage samples (one node takes each, leased); at least hourly. */
    sampleMinutes: z.number().min(1).max(60).default(60),
    /** Days transfer counts and storage samples are kept (a leased daily job deletes older ones); about 13 months by default. */
    retentionDays: z.number().int().min(1).max(3650).default(400),
    /** The endpoint dimension of transfer counted on Berth's listeners (a private endpoint feature sets its own). */
    endpoint: z.string().min(1).max(128).default('public-network'),
    /** What the usage view shows image and tag counts against (ECR's quota: 20,000 images per repository); 0: none. */
    limits: z
      .strictObject({
        imagesPerRepository: z.number().int().min(0).default(20_000),
        tagsPerRepository: z.number().int().min(0).default(0),
      })
      .prefault({}),
    /** USD prices; defaults are ECR's list prices (us-east-1). */
    prices: z
      .strictObject({
        /** Standard storage per GB-month. */
        storage: tiers.default([{ perGb: 0.1 }]),
        /** Archive storage per GB-month: as standard for the first 150 TB, then $0.07. */
        archiveStorage: tiers.default([{ upToGb: 150 * 1024, perGb: 0.1 }, { perGb: 0.07 }]),
        /** Transfer out of private repositories to the internet, per GB in a month: AWS's data transfer out tiers. */
        transferOut: tiers.default([
          { upToGb: 1, perGb: 0 },
          { upToGb: 10 * 1024, perGb: 0.09 },
          { upToGb: 50 * 1024, perGb: 0.085 },
          { upToGb: 150 * 1024, perGb: 0.07 },
          { perGb: 0.05 },
        ]),
        /** Transfer through an endpoint other than `public-network` (same-region transfer is free in ECR). */
        privateEndpointPerGb: z.number().min(0).default(0),
        /** ECR Public: storage free each month, then the storage price. */
        publicFreeStorageGb: z.number().min(0).default(50),
        /** ECR Public: anonymous transfer out free each month. */
        publicAnonymousFreeGb: z.number().min(0).default(500),
        /** ECR Public: authenticated transfer out free each month. */
        publicAuthenticatedFreeGb: z
          .number()
          .min(0)
          .default(5 * 1024),
        /** ECR Public: transfer out past the free amounts, per GB. */
        publicTransferPerGb: z.number().min(0).default(0.09),
      })
      .prefault({}),
  })
  .prefault({});

export type MeteringConfig = z.infer<typeof MeteringConfigSchema>;
