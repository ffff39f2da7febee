// Probe and hook messages end up in `kubectl describe` events, where users compare them with
// what a real kubelet (written in Go) prints. These helpers render durations and network
// errors the way Go's time and net packages do ("1s", "dial tcp 10.0.0.5:80: connect:
// connection refused"), so the familiar texts — and the searches people run on them — work.

/** Go's time.Duration String() for a whole number of milliseconds: "500ms", "1s", "1.5s", "1m30s". */
export function goDuration(ms: number): string {
  const total = Math.max(0, Math.round(ms));
  if (total === 0) return '0s';
  if (total < 1000) return `${total}ms`;
  const hours = Math.floor(total / 3_600_000);
  const minutes = Math.floor((total % 3_600_000) / 60_000);
  const secondsMs = total % 60_000;
  const seconds = secondsMs % 1000 === 0 ? String(secondsMs / 1000) : (secondsMs / 1000).toFixed(3).replace(/0+$/, '');
  let out = '';
  if (hours > 0) out += `${hours}h`;
  if (hours > 0 || minutes > 0) out += `${minutes}m`;
  return `${out}${seconds}s`;
}

/** Go's net.JoinHostPort: IPv6 literals get brackets. */
export function joinHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * The text Go's dialer gives for a failed TCP connect to `address` ("host:port"), from a
 * Node.js socket error. Unknown errors keep Node's own message.
 */
export function goDialError(err: unknown, address: string, host: string): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ECONNREFUSED':
      return `dial tcp ${address}: connect: connection refused`;
    case 'EHOSTUNREACH':
      return `dial tcp ${address}: connect: no route to host`;
    case 'ENETUNREACH':
      return `dial tcp ${address}: connect: network is unreachable`;
    case 'EADDRNOTAVAIL':
      return `dial tcp ${address}: connect: cannot assign requested address`;
    case 'ETIMEDOUT':
      return `dial tcp ${address}: i/o timeout`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_NONAME':
      return `dial tcp: lookup ${host}: no such host`;
    default:
      return errorMessage(err);
  }
}

/** The text Go gives for an error on an established connection (reset, closed early). */
export function goConnectionError(err: unknown): string {
  const e = err as NodeJS.ErrnoException | undefined;
  if (e?.message === 'socket hang up') return 'EOF';
  switch (e?.code) {
    case 'ECONNRESET':
      return 'read: connection reset by peer';
    case 'EPIPE':
      return 'write: broken pipe';
    default:
      return errorMessage(err);
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
