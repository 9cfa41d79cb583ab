// What the HTTP host hands the audit trail for each request it may record: the raw facts, taken
// on the request path without parsing anything. Turning them into a CloudTrail event (names,
// parameters, redaction) happens once per registry path and caller (trail.ts), or for API calls
// when the buffer is flushed.
import type { Principal } from '../domain/principal.js';

export interface AuditCall {
  /** When the request arrived, epoch milliseconds. */
  time: number;
  method: string;
  /** The path and query as received. */
  url: string;
  status: number;
  requestId: string;
  /** X-Amz-Target, for the AWS JSON APIs. */
  target?: string;
  /** The request body of `POST /` (JSON or form), when small enough to keep. */
  body?: Buffer;
  /** Who the request was authenticated as, if anyone. */
  principal?: Principal;
  /** The account a registry request (/v2) is addressed to. */
  registryAccount: string;
  /** The event source registry requests are recorded under (ecr, or ecr-public on the public listener). */
  registrySource: string;
  sourceIp: string;
  userAgent?: string;
  /** The error's name from the response (x-amzn-ErrorType), when the face set one. */
  errorType?: string;
  /** The body of an error response (status ≥ 400), to read the error's code and message from. */
  errorBody?: string;
}
