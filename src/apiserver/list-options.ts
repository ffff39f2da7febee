// A list or watch request's query (limit, continue, resourceVersion, resourceVersionMatch,
// sendInitialEvents), parsed and validated in Kubernetes' order and with its messages: decoding
// the parameters (a bad limit is a 400), SetListOptionsDefaults for watches (the WatchList
// feature is on), ValidateListOptions / validateWatchOptions (a 422 on ListOptions), then the
// storage's parse of the resourceVersion, and which read the resourceVersion asks for (Kubernetes'
// "semantics for get and list": Exact, or not older than).
import { forbidden, notSupported } from '../api/field-errors.ts';
import { continueTokenProblem } from './continue-token.ts';
import { badRequest, invalid } from './errors.ts';

export interface ListOptions {
  /** Page size; undefined for no paging (Kubernetes treats 0 and negative limits alike). */
  limit?: number;
  continueToken?: string;
  /** Read at exactly this revision: resourceVersionMatch=Exact, or (the legacy rule) a resourceVersion with a limit. */
  exactRevision?: number;
  /** Read at this revision or a newer one: NotOlderThan, or a resourceVersion without a limit. */
  minRevision?: number;
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
  if (query.has('sendInitialEvents')) errors.push(forbidden('sendInitialEvents', 'sendInitialEvents is forbidden for list'));
  if (errors.length) throw invalid('meta.k8s.io', 'ListOptions', '', errors);
  // Storage decodes the token first, then refuses a resourceVersion beside it, which the token carries ("0" asks for none).
  const tokenProblem = continueToken && continueTokenProblem(continueToken);
  if (tokenProblem) throw badRequest(`invalid continue token: ${tokenProblem}`);
  if (continueToken && resourceVersion !== '' && resourceVersion !== '0') {
    throw badRequest('specifying resource version is not allowed when using continue');
  }
  const revision = parseResourceVersion(resourceVersion);
  const pinned = revision > 0 && !continueToken;
  const exact = pinned && (match === 'Exact' || (match === '' && limit > 0));
  return {
    limit: limit > 0 ? limit : undefined,
    continueToken,
    exactRevision: exact ? revision : undefined,
    minRevision: pinned && !exact ? revision : undefined,
  };
}

export interface WatchOptions {
  resourceVersion: string;
  /**
   * true: start with ADDED events for the current state (at least as new as resourceVersion),
   * ended by an initial-events-end bookmark when bookmarks are allowed; false: only changes after
   * resourceVersion (after the current revision for ""/"0").
   */
  sendInitialEvents?: boolean;
  allowBookmarks: boolean;
}

/**
 * A watch request's query, as kube-apiserver 1.33 (WatchList on) decodes, defaults and validates
 * it: a watch from resourceVersion ""/"0" without sendInitialEvents or resourceVersionMatch is
 * defaulted to sendInitialEvents=true&resourceVersionMatch=NotOlderThan (SetListOptionsDefaults),
 * so it ends its initial events with the bookmark when it allows bookmarks.
 */
export function parseWatchOptions(query: URLSearchParams): WatchOptions {
  const resourceVersion = query.get('resourceVersion') ?? '';
  let match = query.get('resourceVersionMatch') ?? '';
  let sendInitialEvents = query.has('sendInitialEvents') ? goBool(query.get('sendInitialEvents')) : undefined;
  if (sendInitialEvents === undefined && !match && (resourceVersion === '' || resourceVersion === '0')) {
    sendInitialEvents = true;
    match = 'NotOlderThan';
  }
  const errors = [];
  if (sendInitialEvents !== undefined && match !== 'NotOlderThan') {
    errors.push(forbidden('resourceVersionMatch', 'sendInitialEvents requires setting resourceVersionMatch to NotOlderThan'));
  }
  if (match) {
    if (sendInitialEvents === undefined) {
      errors.push(forbidden('resourceVersionMatch', 'resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided'));
    }
    if (match !== 'NotOlderThan') errors.push(notSupported('resourceVersionMatch', match, ['NotOlderThan']));
    if (query.get('continue'))
      errors.push(forbidden('resourceVersionMatch', 'resourceVersionMatch is forbidden when continue is provided'));
  }
  if (errors.length) throw invalid('meta.k8s.io', 'ListOptions', '', errors);
  parseResourceVersion(resourceVersion);
  return {
    resourceVersion,
    sendInitialEvents,
    allowBookmarks: query.has('allowWatchBookmarks') && goBool(query.get('allowWatchBookmarks')),
  };
}

/** A boolean query parameter as Kubernetes' conversion reads it: anything but "0" and "false" (any case) is true. */
function goBool(value: string | null): boolean {
  return value !== '0' && value?.toLowerCase() !== 'false';
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
