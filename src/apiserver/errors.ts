// API errors as Kubernetes Status objects, so kubectl prints them the way users know:
// `Error from server (NotFound): pods "x" not found`, `The Pod "x" is invalid: ...`.
import { type FieldError, formatFieldErrors } from '../api/field-errors.ts';

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
  /** ListMeta: only an expired continue token's 410 fills it, with a token that continues inconsistently. */
  metadata: { continue?: string };
  status: 'Failure' | 'Success';
  message: string;
  reason?: string;
  details?: StatusDetails;
  code: number;
}

export class StatusError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: StatusDetails,
    /** Extra response headers, e.g. Retry-After. */
    readonly headers?: Record<string, string>,
  ) {
    super(message);
  }

  /** status.metadata.continue (ListMeta.Continue of the Status). */
  listContinue?: string;

  toStatus(): Status {
    const metadata = this.listContinue ? { continue: this.listContinue } : {};
    const status: Status = { kind: 'Status', apiVersion: 'v1', metadata, status: 'Failure', message: this.message, code: this.code };
    if (this.reason) status.reason = this.reason;
    if (this.details) status.details = this.details;
    return status;
  }
}

/** "deployments.apps" or "pods": how Kubernetes names a resource in messages. */
export function qualifiedResource(group: string, resource: string): string {
  return group ? `${resource}.${group}` : resource;
}

export const notFound = (group: string, resource: string, name: string): StatusError =>
  new StatusError(404, 'NotFound', `${qualifiedResource(group, resource)} "${name}" not found`, {
    name,
    group: group || undefined,
    kind: resource,
  });

export const alreadyExists = (group: string, resource: string, name: string): StatusError =>
  new StatusError(409, 'AlreadyExists', `${qualifiedResource(group, resource)} "${name}" already exists`, {
    name,
    group: group || undefined,
    kind: resource,
  });

export const conflict = (group: string, resource: string, name: string, detail: string): StatusError =>
  new StatusError(409, 'Conflict', `Operation cannot be fulfilled on ${qualifiedResource(group, resource)} "${name}": ${detail}`, {
    name,
    group: group || undefined,
    kind: resource,
  });

export const objectModified = (group: string, resource: string, name: string): StatusError =>
  conflict(group, resource, name, 'the object has been modified; please apply your changes to the latest version and try again');

/** A write's or delete's preconditions (metav1.Preconditions). */
export interface Preconditions {
  uid?: string;
  resourceVersion?: string;
}

/**
 * storage.Preconditions.Check: why `meta` fails the first precondition it fails, or undefined.
 * Only a precondition given as a string counts, as a set pointer does in Kubernetes.
 */
export function failedPrecondition(pre: Preconditions | undefined, meta: { uid?: string; resourceVersion?: string }): string | undefined {
  if (typeof pre?.uid === 'string' && pre.uid !== meta.uid) {
    return `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${meta.uid ?? ''}`;
  }
  if (typeof pre?.resourceVersion === 'string' && pre.resourceVersion !== meta.resourceVersion) {
    return `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${meta.resourceVersion ?? ''}`;
  }
  return undefined;
}

/**
 * A failed storage precondition (a PUT's uid, a Binding's uid or resourceVersion) as
 * kube-apiserver reports it: storage's StorageError "invalid object" turned into a Conflict.
 * `key` is the object's storage key; `why` comes from failedPrecondition.
 */
export const storagePreconditionFailed = (group: string, resource: string, name: string, key: string, why: string): StatusError =>
  conflict(group, resource, name, `StorageError: invalid object, Code: 4, Key: ${key}, ResourceVersion: 0, AdditionalErrorMsg: ${why}`);

/**
 * rest.BeforeDelete's early check of a DELETE's preconditions (an eviction's too), before storage
 * sees them: the Conflict names the kind ("Pod", "Deployment.apps"), not the resource.
 */
export function deletePreconditionFailed(
  group: string,
  kind: string,
  name: string,
  pre: Preconditions | undefined,
  meta: { uid?: string; resourceVersion?: string },
): StatusError | undefined {
  if (typeof pre?.uid === 'string' && pre.uid !== meta.uid) {
    return conflict(
      group,
      kind,
      name,
      `the UID in the precondition (${pre.uid}) does not match the UID in record (${meta.uid ?? ''}). The object might have been deleted and then recreated`,
    );
  }
  if (typeof pre?.resourceVersion === 'string' && pre.resourceVersion !== meta.resourceVersion) {
    return conflict(
      group,
      kind,
      name,
      `the ResourceVersion in the precondition (${pre.resourceVersion}) does not match the ResourceVersion in record (${meta.resourceVersion ?? ''}). The object might have been modified`,
    );
  }
  return undefined;
}

/**
 * A read at a resourceVersion the store has not reached: storage.NewTooLargeResourceVersionError.
 * The watch cache asks for a retry after 1 s (with a Retry-After header); an Exact read, which
 * Kubernetes serves from etcd, gives no hint.
 */
export function tooLargeResourceVersion(requested: number, current: number, retryAfterSeconds: number): StatusError {
  const details: StatusDetails = { causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }] };
  if (retryAfterSeconds > 0) details.retryAfterSeconds = retryAfterSeconds;
  return new StatusError(
    504,
    'Timeout',
    `Timeout: Too large resource version: ${requested}, current: ${current}`,
    details,
    retryAfterSeconds > 0 ? { 'Retry-After': String(retryAfterSeconds) } : undefined,
  );
}

export function invalid(group: string, kind: string, name: string, errors: FieldError[]): StatusError {
  return new StatusError(422, 'Invalid', `${kind}${group ? `.${group}` : ''} "${name}" is invalid: ${formatFieldErrors(errors)}`, {
    name: name || undefined,
    group: group || undefined,
    kind,
    causes: errors.map((e) => ({ reason: e.type, message: causeMessage(e), field: e.field })),
  });
}

function causeMessage(e: FieldError): string {
  // The cause message is the formatted error without the leading "field: ".
  return formatFieldErrors([e]).slice(e.field.length + 2);
}

export const badRequest = (message: string): StatusError => new StatusError(400, 'BadRequest', message);
export const forbidden = (message: string, details?: StatusDetails): StatusError => new StatusError(403, 'Forbidden', message, details);
export const unauthorized = (): StatusError => new StatusError(401, 'Unauthorized', 'Unauthorized');
export const methodNotAllowed = (message: string): StatusError => new StatusError(405, 'MethodNotAllowed', message);
export const unsupportedMediaType = (contentType: string): StatusError =>
  new StatusError(
    415,
    'UnsupportedMediaType',
    `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf (got ${contentType})`,
  );
export const notAcceptable = (message: string): StatusError => new StatusError(406, 'NotAcceptable', message);
export const requestEntityTooLarge = (message: string): StatusError => new StatusError(413, 'RequestEntityTooLarge', message);
export const expired = (message: string): StatusError => new StatusError(410, 'Expired', message);
export const gone = (message: string): StatusError => new StatusError(410, 'Gone', message);
export const internalError = (message: string): StatusError =>
  new StatusError(500, 'InternalError', `Internal error occurred: ${message}`, { causes: [{ message }] });
/**
 * A path that names no resource (or subresource). The empty details are Kubernetes' too: kubectl
 * tells it from a missing object by them (`kubectl debug` dereferences them).
 */
export const resourceNotFound = (): StatusError => new StatusError(404, 'NotFound', 'the server could not find the requested resource', {});
export const tooManyRequests = (retryAfterSeconds: number): StatusError =>
  new StatusError(
    429,
    'TooManyRequests',
    'Too many requests, please try again later.',
    { retryAfterSeconds },
    { 'Retry-After': String(retryAfterSeconds) },
  );

export function toStatusError(err: unknown): StatusError {
  if (err instanceof StatusError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return internalError(message);
}
