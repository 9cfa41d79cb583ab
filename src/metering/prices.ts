// Estimated costs from the price table (config metering.prices; ECR's list prices by default).
// Tiers apply to an account's quantity in a calendar month, as AWS bills; a row (a repository, a
// day) is charged its part at the account's effective rate for the month. A GB is 2^30 bytes and
// a GB-month is a GB held for 730 hours (AWS's average month).
import type { MeteringConfig } from '../config/schema-metering.js';

export type Prices = MeteringConfig['prices'];
export type Tier = Prices['storage'][number];

export const GB = 1024 ** 3;
export const MONTH_HOURS = 730;
/** Byte-milliseconds in a GB-month. */
export const GB_MONTH_BYTE_MS = GB * MONTH_HOURS * 3_600_000;

/** The cost of `quantity` GB in the month under `tiers` (each tier's upToGb is cumulative). */
export function tieredCost(quantity: number, tiers: readonly Tier[]): number {
  let cost = 0;
  let below = 0;
  for (const tier of tiers) {
    const top = tier.upToGb ?? Number.POSITIVE_INFINITY;
    const inTier = Math.max(0, Math.min(quantity, top) - below);
    cost += inTier * tier.perGb;
    below = top;
    if (quantity <= top) break;
  }
  return cost;
}

/** What an account used in one month, by what it is priced as (GB-months and GB). */
export interface MonthQuantities {
  standardGbMonth: number;
  archiveGbMonth: number;
  publicStorageGbMonth: number;
  /** Transfer out of private repositories over the public network. */
  transferGb: number;
  /** Transfer through endpoints other than the public network. */
  endpointTransferGb: number;
  publicAnonymousGb: number;
  publicAuthenticatedGb: number;
}

export const NO_QUANTITIES: MonthQuantities = {
  standardGbMonth: 0,
  archiveGbMonth: 0,
  publicStorageGbMonth: 0,
  transferGb: 0,
  endpointTransferGb: 0,
  publicAnonymousGb: 0,
  publicAuthenticatedGb: 0,
};

export type Rates = Record<keyof MonthQuantities, number>;

/** Per-unit rates of one account's month: each quantity's tiered cost divided by the quantity. */
export function effectiveRates(month: MonthQuantities, prices: Prices): Rates {
  const rate = (quantity: number, cost: (q: number) => number) =>
    quantity > 0 ? cost(quantity) / quantity : cost(1e-9) / 1e-9;
  const afterFree = (free: number, perGb: number) => (q: number) => Math.max(0, q - free) * perGb;
  return {
    standardGbMonth: rate(month.standardGbMonth, (q) => tieredCost(q, prices.storage)),
    archiveGbMonth: rate(month.archiveGbMonth, (q) => tieredCost(q, prices.archiveStorage)),
    publicStorageGbMonth: rate(month.publicStorageGbMonth, (q) =>
      tieredCost(Math.max(0, q - prices.publicFreeStorageGb), prices.storage),
    ),
    transferGb: rate(month.transferGb, (q) => tieredCost(q, prices.transferOut)),
    endpointTransferGb: prices.privateEndpointPerGb,
    publicAnonymousGb: rate(
      month.publicAnonymousGb,
      afterFree(prices.publicAnonymousFreeGb, prices.publicTransferPerGb),
    ),
    publicAuthenticatedGb: rate(
      month.publicAuthenticatedGb,
      afterFree(prices.publicAuthenticatedFreeGb, prices.publicTransferPerGb),
    ),
  };
}

export function addQuantities(into: MonthQuantities, more: MonthQuantities): void {
  for (const key of Object.keys(into) as (keyof MonthQuantities)[]) into[key] += more[key];
}

export function costAt(quantities: MonthQuantities, rates: Rates): number {
  let cost = 0;
  for (const key of Object.keys(quantities) as (keyof MonthQuantities)[]) cost += quantities[key] * rates[key];
  return cost;
}
