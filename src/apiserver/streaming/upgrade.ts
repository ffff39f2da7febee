// Answering HTTP upgrade requests for streaming: SPDY/3.1 (`Upgrade: SPDY/3.1` with the
// sub-protocol in X-Stream-Protocol-Version) and WebSocket (sub-protocol in
// Sec-WebSocket-Protocol), plus writing a plain HTTP error on the raw socket when an upgrade
// is refused (kubectl prints the Status body of a refused upgrade).
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import type { Status } from '../errors.ts';
import { SpdySession } from './spdy-session.ts';

export function isWebSocketUpgrade(req: IncomingMessage): boolean {
  return (req.headers.upgrade ?? '').toLowerCase() === 'websocket';
}

export function isSpdyUpgrade(req: IncomingMessage): boolean {
  return (req.headers.upgrade ?? '').toLowerCase().startsWith('spdy/3');
}

/** Every value of a (possibly repeated, comma-joined) header. */
export function headerValues(req: IncomingMessage, name: string): string[] {
  const raw = req.headers[name.toLowerCase()];
  const joined = Array.isArray(raw) ? raw.join(',') : (raw ?? '');
  return joined
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);
}

/** The first protocol of ours (in our order of preference) that the client offers. */
export function negotiate(offered: string[], supported: string[]): string | undefined {
  return supported.find((p) => offered.includes(p));
}

/** Writes an HTTP response on a socket that was not upgraded, then closes it. */
export function rejectUpgrade(socket: Duplex, status: Status | { code: number; message: string; reason?: string }): void {
  if (socket.destroyed) return;
  const body = JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', ...status });
  const reason = httpReason(status.code);
  socket.end(
    `HTTP/1.1 ${status.code} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
      `Connection: close\r\n\r\n${body}`,
  );
}

function httpReason(code: number): string {
  const reasons: Record<number, string> = {
    400: 'Bad Request',
    401: 'Unauthorized',
    403: 'Forbidden',
    404: 'Not Found',
    500: 'Internal Server Error',
    502: 'Bad Gateway',
    503: 'Service Unavailable',
  };
  return reasons[code] ?? 'Error';
}

/** Completes a SPDY/3.1 upgrade with the chosen sub-protocol and starts the session. */
export function acceptSpdyUpgrade(socket: Duplex, head: Buffer, protocol: string): SpdySession {
  socket.write(
    'HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\n' + `X-Stream-Protocol-Version: ${protocol}\r\n\r\n`,
  );
  (socket as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true);
  const session = new SpdySession(socket, { role: 'server' });
  session.feed(head);
  return session;
}

// RFC 6455 token characters: `SPDY/3.1+portforward.k8s.io` is not one (the slash), so `ws`
// refuses it. Offered protocols that are not tokens are renamed before the handshake and
// the real name is put back in the response.
const tokenPattern = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Completes a WebSocket handshake choosing the first of `supported` the client offers. */
export function acceptWebSocket(req: IncomingMessage, socket: Duplex, head: Buffer, supported: string[]): Promise<WebSocket> {
  const offered = headerValues(req, 'sec-websocket-protocol');
  const aliases = new Map<string, string>();
  const rewritten = offered.map((p, i) => {
    if (tokenPattern.test(p)) return p;
    const alias = `x-hale-protocol-${i}`;
    aliases.set(alias, p);
    return alias;
  });
  if (aliases.size > 0) req.headers['sec-websocket-protocol'] = rewritten.join(', ');
  const chosen = negotiate(offered, supported);
  return new Promise((resolve) => {
    const server = new WebSocketServer({
      noServer: true,
      perMessageDeflate: false,
      maxPayload: 64 * 1024 * 1024,
      handleProtocols: () => chosen ?? false,
    });
    server.handleUpgrade(req, socket, head, (ws) => {
      server.close();
      resolve(ws);
    });
  });
}
