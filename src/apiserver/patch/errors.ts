// The errors a patch can fail with. Each carries the HTTP code and Kubernetes Status reason
// the API server answers with, so the handler only has to serialise it (see toStatus()).

/** '' is StatusReasonUnknown: an error that is not an API status, which kube-apiserver answers with 500. */
export type PatchErrorReason = 'BadRequest' | 'Invalid' | 'Conflict' | 'UnsupportedMediaType' | 'NotFound' | 'RequestEntityTooLarge' | '';

/** One entry of Status.details.causes. */
export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

const codeOf: Record<PatchErrorReason, number> = {
  BadRequest: 400,
  NotFound: 404,
  Conflict: 409,
  RequestEntityTooLarge: 413,
  UnsupportedMediaType: 415,
  Invalid: 422,
  '': 500,
};

export class PatchError extends Error {
  readonly code: number;

  constructor(
    readonly reason: PatchErrorReason,
    message: string,
    readonly causes: StatusCause[] = [],
  ) {
    super(message);
    this.name = 'PatchError';
    this.code = codeOf[reason];
  }

  /** The metav1.Status body. `details` only when there are causes, so kubectl prints the message itself. */
  toStatus(): Record<string, unknown> {
    const status: Record<string, unknown> = {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      code: this.code,
    };
    if (this.reason) status.reason = this.reason;
    if (this.causes.length) status.details = { causes: this.causes };
    return status;
  }
}

export const badRequest = (message: string): PatchError => new PatchError('BadRequest', message);
export const invalidPatch = (message: string): PatchError => new PatchError('Invalid', message);
