// A list request's query (limit, continue, resourceVersion, resourceVersionMatch), parsed and
// validated in Kubernetes' order and with its messages: decoding the parameters (a bad limit
// is a 400), ValidateListOptions (a 422 on ListOptions), then the storage's parse of the
// resourceVersion.
import { forbidden, notSupported } from '../api/field-errors.ts';
import { badRequest, invalid } from './errors.ts';

export interface ListOptions {
  /** Page size; undefined for no paging (Kubernetes treats 0 and negative limits alike). */
  limit?: number;
  continueToken?: string;
  /** Read at exactly this revision (resourceVersionMatch=Exact). */
  exactRevision?: number;
}

export function parseListOptions(query: URLSearchParams): ListOptions {
  const limit = parseGoInt(query.get('limit'));
  const continueToken = query.get('continue') || undefined;
  const resourceVersion = query.get('resourceVersion') ?? '';
  const match = query.get('resourceVersionMatch') ?? '';
  const errors = [];
  if (match) {
    if (!resourceVersion)
      errors.push(forbidden('resourceVersionMatch', 'resourceVersionMatch is forbidden unless resourceVersion is provided'));
    if (continueToken) errors.push(forbidden('resourceVersionMatch', 'resourceVersionMatch is forbidden when continue is provided'));
    if (match !== 'Exact' && match !== 'NotOlderThan')
      errors.push(notSupported('resourceVersionMatch', match, ['Exact', 'NotOlderThan', '']));
    if (match === 'Exact' && resourceVersion === '0') {
      errors.push(forbidden('resourceVersionMatch', 'resourceVersionMatch "exact" is forbidden for resourceVersion "0"'));
    }
  }
  if (errors.length) throw invalid('meta.k8s.io', 'ListOptions', '', errors);
  const revision = parseResourceVersion(resourceVersion);
  return {
    limit: limit > 0 ? limit : undefined,
    continueToken,
    exactRevision: match === 'Exact' ? revision : undefined,
  };
}

/**
 * A resourceVersion as the storage layer parses it ("" and "0" mean any). Kubernetes answers a
 * malformed one with this message but a 500 (kubernetes/kubernetes#139485); it is the client's mistake.
 */
export function parseResourceVersion(resourceVersion: string): number {
  if (resourceVersion === '' || resourceVersion === '0') return 0;
  if (!/^\d+$/.test(resourceVersion) || !Number.isSafeInteger(Number(resourceVersion))) {
    const reason = /^\d+$/.test(resourceVersion) ? 'value out of range' : 'invalid syntax';
    throw badRequest(
      `resourceVersion: Invalid value: ${JSON.stringify(resourceVersion)}: strconv.ParseUint: parsing ${JSON.stringify(resourceVersion)}: ${reason}`,
    );
  }
  return Number(resourceVersion);
}

/** Go's strconv.ParseInt of a query parameter, with its error text. */
function parseGoInt(value: string | null): number {
  if (value === null || value === '') return 0;
  if (!/^[+-]?\d+$/.test(value)) throw badRequest(`strconv.ParseInt: parsing ${JSON.stringify(value)}: invalid syntax`);
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw badRequest(`strconv.ParseInt: parsing ${JSON.stringify(value)}: value out of range`);
  return n;
}
