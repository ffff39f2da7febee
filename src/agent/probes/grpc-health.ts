// grpc probe: one unary call of grpc.health.v1.Health/Check over cleartext HTTP/2, written by
// hand with node:http2 — the call is small enough that a gRPC library is not worth carrying.
//
// Wire format: a gRPC message is a 5-byte prefix (compressed flag, big-endian length) and a
// protobuf body. HealthCheckRequest is { string service = 1 }; HealthCheckResponse is
// { ServingStatus status = 1 } with UNKNOWN=0, SERVING=1, NOT_SERVING=2, SERVICE_UNKNOWN=3.
// The call's outcome is the grpc-status trailer (or header, in a trailers-only response).
// Messages follow the kubelet's grpc prober ("service unhealthy (responded with
// "NOT_SERVING")", "timeout: health rpc did not complete within 1s", and for a port nobody
// listens on "timeout: failed to connect service "10.42.0.5:9000" within 1s: context deadline
// exceeded", …).

import { STATUS_CODES } from 'node:http';
import http2 from 'node:http2';
import { goQuote } from '../../api/go-quote.ts';
import { goDuration, joinHostPort } from './go-format.ts';

export type GrpcHealthResult = { ok: boolean; message: string };

const SERVING_STATUS = ['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'];
const SERVING = 1;
const CODE_NAMES = [
  'OK',
  'Canceled',
  'Unknown',
  'InvalidArgument',
  'DeadlineExceeded',
  'NotFound',
  'AlreadyExists',
  'PermissionDenied',
  'ResourceExhausted',
  'FailedPrecondition',
  'Aborted',
  'OutOfRange',
  'Unimplemented',
  'Internal',
  'Unavailable',
  'DataLoss',
  'Unauthenticated',
];
const DEADLINE_EXCEEDED = 4;
const UNIMPLEMENTED = 12;
/** How grpc-go maps an HTTP status without grpc-status to a gRPC code. */
const HTTP_TO_GRPC: Record<number, number> = { 400: 13, 401: 16, 403: 7, 404: 12, 429: 14, 502: 14, 503: 14, 504: 14 };

function encodeVarint(n: number): number[] {
  const out: number[] = [];
  let v = n;
  while (v > 0x7f) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
}

/** A length-prefixed gRPC message holding HealthCheckRequest{service}. */
export function encodeHealthCheckRequest(service: string): Buffer {
  const name = Buffer.from(service, 'utf8');
  const body = name.length === 0 ? Buffer.alloc(0) : Buffer.concat([Buffer.from([0x0a, ...encodeVarint(name.length)]), name]);
  const prefix = Buffer.alloc(5);
  prefix.writeUInt32BE(body.length, 1);
  return Buffer.concat([prefix, body]);
}

/** The status field of the first HealthCheckResponse in a gRPC message stream (0 when absent). */
export function decodeHealthCheckResponse(data: Buffer): number {
  if (data.length < 5) throw new Error('response has no message');
  if (data[0] !== 0) throw new Error('compressed response not supported');
  const length = data.readUInt32BE(1);
  const body = data.subarray(5, 5 + length);
  if (body.length < length) throw new Error('truncated response message');
  let pos = 0;
  const varint = () => {
    let result = 0;
    let shift = 0;
    for (;;) {
      if (pos >= body.length) throw new Error('truncated varint');
      const b = body[pos++];
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result;
      shift += 7;
    }
  };
  let status = 0;
  while (pos < body.length) {
    const tag = varint();
    const field = Math.floor(tag / 8);
    const wire = tag & 7;
    if (wire === 0) {
      const v = varint();
      if (field === 1) status = v;
    } else if (wire === 2) {
      const length = varint();
      pos += length;
    } else if (wire === 1) pos += 8;
    else if (wire === 5) pos += 4;
    else throw new Error(`unsupported wire type ${wire}`);
  }
  return status;
}

/** grpc-go's connection back-off (its DefaultConfig): the first retry after 1 s, growing 1.6× up to 2 min. */
const CONNECT_BACKOFF_BASE_MS = 1000;
const CONNECT_BACKOFF_MULTIPLIER = 1.6;
const CONNECT_BACKOFF_MAX_MS = 120_000;

/**
 * Connects to `address`, retrying a failed connect (refused, unreachable, unresolvable) with
 * gRPC's back-off until `deadline`, as the kubelet's blocking dial (grpc.WithBlock) does: so a
 * closed port fails only once the probe's timeout is over, and a server that starts listening
 * within it is reached. Undefined when no connection was made in time.
 */
function connectUntil(address: string, deadline: number): Promise<http2.ClientHttp2Session | undefined> {
  return new Promise((resolve) => {
    let backoffMs = CONNECT_BACKOFF_BASE_MS;
    let session: http2.ClientHttp2Session | undefined;
    let retry: NodeJS.Timeout | undefined;
    let gaveUp = false;
    const giveUp = setTimeout(
      () => {
        gaveUp = true;
        clearTimeout(retry);
        session?.destroy();
        resolve(undefined);
      },
      Math.max(0, deadline - Date.now()),
    );
    const attempt = () => {
      let connected = false;
      const current = http2.connect(`http://${address}`);
      session = current;
      current.once('connect', () => {
        connected = true;
        clearTimeout(giveUp);
        resolve(current);
      });
      // Stays attached after the connect, so that a later error never goes unhandled.
      current.on('error', () => {
        if (connected) return;
        current.destroy();
        if (gaveUp) return;
        retry = setTimeout(attempt, backoffMs);
        backoffMs = Math.min(backoffMs * CONNECT_BACKOFF_MULTIPLIER, CONNECT_BACKOFF_MAX_MS);
      });
    };
    attempt();
  });
}

export async function grpcHealthCheck(
  host: string,
  port: number,
  service: string,
  timeoutMs: number,
  userAgent: string,
): Promise<GrpcHealthResult> {
  const address = joinHostPort(host, port);
  const within = goDuration(timeoutMs);
  // One deadline for the connect and the call, as the kubelet's context.WithTimeout.
  const deadline = Date.now() + timeoutMs;
  const session = await connectUntil(address, deadline);
  if (!session) {
    return { ok: false, message: `timeout: failed to connect service ${goQuote(address)} within ${within}: context deadline exceeded` };
  }
  return healthCheckCall(session, service, deadline, within, userAgent);
}

/** The Health/Check call on a connected session, which it closes. */
function healthCheckCall(
  session: http2.ClientHttp2Session,
  service: string,
  deadline: number,
  within: string,
  userAgent: string,
): Promise<GrpcHealthResult> {
  const remainingMs = Math.max(0, deadline - Date.now());
  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: GrpcHealthResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      session.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => finish({ ok: false, message: `timeout: health rpc did not complete within ${within}` }), remainingMs);
    const rpcFailed = (code: number, desc: string) => {
      if (code === UNIMPLEMENTED) {
        return finish({
          ok: false,
          message: `error: this server does not implement the grpc health protocol (grpc.health.v1.Health): ${desc}`,
        });
      }
      if (code === DEADLINE_EXCEEDED) return finish({ ok: false, message: `timeout: health rpc did not complete within ${within}` });
      finish({
        ok: false,
        message: `error: health rpc probe failed: rpc error: code = ${CODE_NAMES[code] ?? `Code(${code})`} desc = ${desc}`,
      });
    };
    session.on('error', (err) => rpcFailed(14, `connection error: ${err.message}`));

    const req = session.request({
      ':method': 'POST',
      ':path': '/grpc.health.v1.Health/Check',
      'content-type': 'application/grpc',
      te: 'trailers',
      'user-agent': userAgent,
      'grpc-timeout': `${Math.max(1, Math.ceil(remainingMs))}m`,
    });
    let httpStatus = 0;
    let grpcStatus: string | undefined;
    let grpcMessage = '';
    const chunks: Buffer[] = [];
    const takeStatus = (headers: http2.IncomingHttpHeaders) => {
      if (headers['grpc-status'] !== undefined) grpcStatus = String(headers['grpc-status']);
      if (headers['grpc-message'] !== undefined) {
        const raw = String(headers['grpc-message']);
        try {
          grpcMessage = decodeURIComponent(raw);
        } catch {
          grpcMessage = raw;
        }
      }
    };
    req.on('response', (headers) => {
      httpStatus = Number(headers[':status'] ?? 0);
      takeStatus(headers);
    });
    req.on('trailers', takeStatus);
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('error', (err) => rpcFailed(14, err.message));
    req.on('end', () => {
      if (httpStatus !== 200 && grpcStatus === undefined) {
        return rpcFailed(
          HTTP_TO_GRPC[httpStatus] ?? 2,
          `unexpected HTTP status code received from server: ${httpStatus} (${STATUS_CODES[httpStatus] ?? ''})`,
        );
      }
      if (grpcStatus === undefined) return rpcFailed(13, 'server closed the stream without sending trailers');
      const code = Number(grpcStatus);
      if (code !== 0) return rpcFailed(code, grpcMessage);
      let status: number;
      try {
        status = decodeHealthCheckResponse(Buffer.concat(chunks));
      } catch (err) {
        return rpcFailed(13, `grpc: failed to unmarshal the received message: ${(err as Error).message}`);
      }
      if (status !== SERVING) {
        return finish({ ok: false, message: `service unhealthy (responded with ${goQuote(SERVING_STATUS[status] ?? String(status))})` });
      }
      finish({ ok: true, message: 'service healthy' });
    });
    req.end(encodeHealthCheckRequest(service));
  });
}
