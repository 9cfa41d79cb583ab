// The events after a run's first (domain/records/audit.ts), as the text of the audit trail's
// `others` column. Every request id of Berth's is a UUID: then the text is `u`, each event's
// milliseconds after the first in base 36 followed by a comma, `;`, and the UUIDs' 16 bytes each
// in base64url — about 24 bytes an event against 43 as JSON: what a pull adds to the database, to
// its WAL and to the days of retention. Other request ids: `[ms after the first, request id, …]` as JSON.
import type { AuditMember } from '../domain/records/audit.js';

const PACKED = 'u';
const UUID_BYTES = 16;
const DASHES = new Set([8, 13, 18, 23]);
/** Lowercase hex digits' values by character code; -1 for any other character. */
const HEX = new Int8Array(128).fill(-1);
for (let i = 0; i < 16; i++) HEX['0123456789abcdef'.charCodeAt(i)] = i;

/** The UUIDs' bytes, or undefined when one is not a lowercase UUID (read a character at a time: cheaper than a regex and Buffer's hex per id). */
function uuidBytes(others: readonly AuditMember[]): Buffer | undefined {
  const bytes = Buffer.allocUnsafe(others.length * UUID_BYTES);
  let at = 0;
  for (const { requestId: id } of others) {
    if (id.length !== 36) return undefined;
    for (let c = 0; c < 36; c++) {
      if (DASHES.has(c)) {
        if (id.charCodeAt(c) !== 45) return undefined;
        continue;
      }
      const high = HEX[id.charCodeAt(c)] ?? -1;
      const low = HEX[id.charCodeAt(++c)] ?? -1;
      if (high < 0 || low < 0) return undefined;
      bytes[at++] = (high << 4) | low;
    }
  }
  return bytes;
}

function uuidAt(bytes: Buffer, i: number): string {
  const hex = bytes.toString('hex', i * UUID_BYTES, (i + 1) * UUID_BYTES);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The events after the first (at `firstTime`) as text; null when there are none. */
export function encodeOthers(firstTime: number, others: readonly AuditMember[] | undefined): string | null {
  if (!others || others.length === 0) return null;
  const bytes = uuidBytes(others);
  if (bytes) {
    let times = PACKED;
    for (const o of others) times += `${(o.eventTime - firstTime).toString(36)},`;
    return `${times};${bytes.toString('base64url')}`;
  }
  const flat: (number | string)[] = [];
  for (const o of others) flat.push(o.eventTime - firstTime, o.requestId);
  return JSON.stringify(flat);
}

/** The events after the first (at `firstTime`) from their text. */
export function decodeOthers(firstTime: number, text: string): AuditMember[] {
  const others: AuditMember[] = [];
  if (text.startsWith(PACKED)) {
    const split = text.indexOf(';');
    const times = text.slice(PACKED.length, split - 1).split(',');
    const bytes = Buffer.from(text.slice(split + 1), 'base64url');
    for (let i = 0; i < times.length; i++)
      others.push({ eventTime: firstTime + Number.parseInt(times[i]!, 36), requestId: uuidAt(bytes, i) });
    return others;
  }
  const flat = JSON.parse(text) as (number | string)[];
  for (let i = 0; i < flat.length; i += 2)
    others.push({ eventTime: firstTime + (flat[i] as number), requestId: flat[i + 1] as string });
  return others;
}
