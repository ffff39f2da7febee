// The query parameters of a container log request (PodLogOptions): parsed and checked with
// the API server's rules so a bad value is a 400 with a message users recognise.
import { rfc3339ToNanos } from './cri-log.ts';

export interface LogOptions {
  follow: boolean;
  previous: boolean;
  timestamps: boolean;
  /** Only the last N lines (undefined: all). */
  tailLines?: number;
  /** Only records at or after this time, in nanoseconds since the epoch. */
  sinceNanos?: bigint;
  /** Stop after this many bytes of output. */
  limitBytes?: number;
}

export class LogOptionsError extends Error {}

function flag(query: URLSearchParams, name: string): boolean {
  const v = query.get(name);
  return v === 'true' || v === '1';
}

function integer(query: URLSearchParams, name: string, min: number, rule: string): number | undefined {
  const raw = query.get(name);
  if (raw === null || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value)) throw new LogOptionsError(`${name}: Invalid value: "${raw}": must be an integer`);
  if (value < min) throw new LogOptionsError(`PodLogOptions is invalid: ${name}: Invalid value: ${value}: ${rule}`);
  return value;
}

export function parseLogOptions(query: URLSearchParams, now: () => number = Date.now): LogOptions {
  const options: LogOptions = {
    follow: flag(query, 'follow'),
    previous: flag(query, 'previous'),
    timestamps: flag(query, 'timestamps'),
    tailLines: integer(query, 'tailLines', 0, 'must be greater than or equal to 0'),
    limitBytes: integer(query, 'limitBytes', 1, 'must be greater than 0'),
  };
  const sinceSeconds = integer(query, 'sinceSeconds', 1, 'must be greater than 0');
  const sinceTime = query.get('sinceTime');
  if (sinceSeconds !== undefined && sinceTime) {
    throw new LogOptionsError(
      'PodLogOptions is invalid: sinceSeconds: Forbidden: at most one of sinceTime or sinceSeconds may be specified',
    );
  }
  if (sinceSeconds !== undefined) options.sinceNanos = BigInt(now() - sinceSeconds * 1000) * 1_000_000n;
  if (sinceTime) {
    const nanos = rfc3339ToNanos(sinceTime);
    if (nanos === undefined) throw new LogOptionsError(`sinceTime: Invalid value: "${sinceTime}": must be an RFC 3339 time`);
    options.sinceNanos = nanos;
  }
  return options;
}
