// Zod helpers for shapes any AWS JSON model has.
import { z } from 'zod';

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** A blob member travels as base64 in AWS JSON. */
export function base64Blob(maxBytes: number) {
  return z
    .string()
    .max(Math.ceil(maxBytes / 3) * 4)
    .refine((b) => b.length % 4 === 0 && BASE64.test(b), 'must be base64');
}
