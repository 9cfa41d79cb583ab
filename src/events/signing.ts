// The signature each delivery carries: HMAC-SHA256, keyed with the target's secret, over
// `<timestamp>.<body>` (the timestamp in epoch seconds, so a receiver can refuse old replays),
// sent as `Berth-Signature: t=<timestamp>,v1=<hex>`; the event id goes in `Berth-Event-Id`
// (receivers deduplicate by it: a delivery may arrive more than once).
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'berth-signature';
export const EVENT_ID_HEADER = 'berth-event-id';

export function sign(secret: string, timestamp: number, body: string): string {
  const mac = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
  return `t=${timestamp},v1=${mac}`;
}

/** Whether a signature header is valid for the body (and, with `maxAgeSeconds`, fresh enough). */
export function verifySignature(
  secret: string,
  header: string,
  body: string,
  options: { now?: number; maxAgeSeconds?: number } = {},
): boolean {
  const parts = new Map(header.split(',').map((p) => p.split('=', 2) as [string, string]));
  const t = Number(parts.get('t'));
  const given = parts.get('v1');
  if (!Number.isInteger(t) || !given || !/^[0-9a-f]{64}$/.test(given)) return false;
  if (options.maxAgeSeconds !== undefined) {
    const now = Math.floor((options.now ?? Date.now()) / 1000);
    if (Math.abs(now - t) > options.maxAgeSeconds) return false;
  }
  const want = createHmac('sha256', secret).update(`${t}.${body}`).digest();
  return timingSafeEqual(want, Buffer.from(given, 'hex'));
}
