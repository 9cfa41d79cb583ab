// The one error catalogue of the registry protocol: every code Berth can answer on /v2,
// with its HTTP status and message, registered once and rendered at one boundary (http/oci).

export interface ErrorCodeSpec {
  readonly code: string;
  readonly status: number;
  readonly message: string;
}

function define<const T extends Record<string, Omit<ErrorCodeSpec, 'code'>>>(specs: T) {
  const out = {} as { [K in keyof T]: ErrorCodeSpec & { code: K } };
  for (const [code, spec] of Object.entries(specs)) (out as Record<string, ErrorCodeSpec>)[code] = { code, ...spec };
  return out;
}

/** OCI distribution-spec error codes plus the Docker Registry API V2 additions. */
export const ErrorCodes = define({
  BLOB_UNKNOWN: { status: 404, message: 'blob unknown to registry' },
  BLOB_UPLOAD_INVALID: { status: 400, message: 'blob upload invalid' },
  BLOB_UPLOAD_UNKNOWN: { status: 404, message: 'blob upload unknown to registry' },
  DIGEST_INVALID: { status: 400, message: 'provided digest did not match uploaded content' },
  MANIFEST_BLOB_UNKNOWN: { status: 400, message: 'manifest references a manifest or blob unknown to registry' },
  MANIFEST_INVALID: { status: 400, message: 'manifest invalid' },
  MANIFEST_UNKNOWN: { status: 404, message: 'manifest unknown to registry' },
  MANIFEST_UNVERIFIED: { status: 400, message: 'manifest failed signature verification' },
  NAME_INVALID: { status: 400, message: 'invalid repository name' },
  NAME_UNKNOWN: { status: 404, message: 'repository name not known to registry' },
  SIZE_INVALID: { status: 400, message: 'provided length did not match content length' },
  TAG_INVALID: { status: 400, message: 'manifest tag did not match URI' },
  PAGINATION_NUMBER_INVALID: { status: 400, message: 'invalid number of results requested' },
  RANGE_INVALID: { status: 416, message: 'invalid content range' },
  UNAUTHORIZED: { status: 401, message: 'authentication required' },
  DENIED: { status: 403, message: 'requested access to the resource is denied' },
  UNSUPPORTED: { status: 405, message: 'the operation is unsupported' },
  TOOMANYREQUESTS: { status: 429, message: 'too many requests' },
  UNKNOWN: { status: 500, message: 'unknown error' },
});

export type ErrorCode = keyof typeof ErrorCodes;

/** A domain error: thrown anywhere below http/, rendered once in the protocol's envelope. */
export class RegistryError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly detail: unknown;
  /** Extra response headers the boundary must send (e.g. Range on a 416). */
  readonly headers: Record<string, string>;

  constructor(
    code: ErrorCode,
    message?: string,
    detail?: unknown,
    options: { status?: number; headers?: Record<string, string> } = {},
  ) {
    super(message ?? ErrorCodes[code].message);
    this.name = 'RegistryError';
    this.code = code;
    this.status = options.status ?? ErrorCodes[code].status;
    this.detail = detail;
    this.headers = options.headers ?? {};
  }
}

export function isRegistryError(err: unknown): err is RegistryError {
  return err instanceof RegistryError;
}
