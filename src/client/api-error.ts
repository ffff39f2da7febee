// A failed API call as the Kubernetes Status the server returned (or one synthesized from
// the HTTP code when the body was not a Status), plus the predicates controllers use.

export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata?: Record<string, unknown>;
  status?: 'Failure' | 'Success';
  message?: string;
  reason?: string;
  details?: StatusDetails;
  code: number;
}

export class ApiError extends Error {
  constructor(readonly status: Status) {
    super(status.message || `the server responded with ${status.code}${status.reason ? ` (${status.reason})` : ''}`);
    this.name = 'ApiError';
  }
  get code(): number {
    return this.status.code;
  }
  get reason(): string {
    return this.status.reason ?? '';
  }
  get details(): StatusDetails | undefined {
    return this.status.details;
  }
}

// The reasons client-go assigns when the server's body is not a Status.
const reasonForCode: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  406: 'NotAcceptable',
  409: 'Conflict',
  410: 'Expired',
  415: 'UnsupportedMediaType',
  422: 'Invalid',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

/** Builds the error for a non-2xx response from its status code and raw body text. */
export function apiErrorFromResponse(code: number, bodyText: string): ApiError {
  const parsed = tryParseJson(bodyText);
  if (isStatus(parsed)) return new ApiError({ ...parsed, code: parsed.code || code });
  const message = bodyText.trim() || `the server responded with status ${code}`;
  return new ApiError({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code, reason: reasonForCode[code] ?? 'Unknown', message });
}

export function isStatus(value: unknown): value is Status {
  return !!value && typeof value === 'object' && (value as { kind?: unknown }).kind === 'Status';
}

function tryParseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

const hasReason = (err: unknown, reason: string, code: number) =>
  err instanceof ApiError && (err.reason === reason || (!err.reason && err.code === code));

export const isNotFound = (err: unknown) => hasReason(err, 'NotFound', 404);
export const isAlreadyExists = (err: unknown) => err instanceof ApiError && err.reason === 'AlreadyExists';
/** A resourceVersion precondition failed (optimistic concurrency): re-read and retry. */
export const isConflict = (err: unknown) => hasReason(err, 'Conflict', 409);
export const isInvalid = (err: unknown) => hasReason(err, 'Invalid', 422);
export const isForbidden = (err: unknown) => hasReason(err, 'Forbidden', 403);
export const isUnauthorized = (err: unknown) => hasReason(err, 'Unauthorized', 401);
export const isTooManyRequests = (err: unknown) => hasReason(err, 'TooManyRequests', 429);
/** The requested resourceVersion is too old (HTTP 410 Gone / reason Expired or Gone): relist. */
export const isResourceExpired = (err: unknown) =>
  err instanceof ApiError && (err.code === 410 || err.reason === 'Expired' || err.reason === 'Gone');
