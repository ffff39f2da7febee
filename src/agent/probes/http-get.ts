// One HTTP GET the way the kubelet sends it for httpGet probes and hooks: scheme HTTP or HTTPS
// (certificates are not verified — a pod's self-signed certificate must not fail its probe),
// host defaulting to the pod IP, the port by number or name, the user's headers, a
// "kube-probe/1.33" (or "kube-lifecycle/1.33") User-Agent and "Accept: */*" unless the user
// set them, no keep-alive, and one deadline covering connect, redirects and the body. Errors
// come back as Go's net/http texts (`Get "http://…": dial tcp …: connect: connection refused`).
import http from 'node:http';
import https from 'node:https';
import { goQuote } from '../../api/go-quote.ts';
import type { KubeObject } from '../../api/resource-type.ts';
import { goConnectionError, goDialError, joinHostPort } from './go-format.ts';
import { resolveContainerPort } from './resolve-port.ts';

/** The kubelet reads at most this much of a probe's response body. */
export const MAX_BODY_BYTES = 10 * 1024;
/** Go's http.Client gives up after this many requests in one redirect chain. */
const MAX_REDIRECTS = 10;

export interface HttpGetRequest {
  /** Rendered like Go's url.URL String(): always with the port. */
  url: string;
  headers: { name: string; value: string }[];
}

export interface HttpGetOptions extends HttpGetRequest {
  /** Complete User-Agent, e.g. "kube-probe/1.33"; a User-Agent header from the user wins. */
  userAgent: string;
  timeoutMs: number;
  /** Probes follow redirects only to the same host (a redirect elsewhere is a warning); hooks follow any. */
  followNonLocalRedirects: boolean;
}

export type HttpGetResult =
  | { kind: 'response'; statusCode: number; body: string; url: string }
  | {
      kind: 'error';
      /** Go's url.Error text: `Get "<url>": <cause>`. */
      message: string;
      /** An HTTPS request answered in plain HTTP (hooks retry over HTTP, like the kubelet). */
      httpResponseToHttps?: boolean;
    };

/** The request for an httpGet action (probe or hook); throws PortError for a port that does not resolve. */
export function httpGetRequestFor(action: KubeObject, container: KubeObject, podIP: string): HttpGetRequest {
  const scheme = String(action.scheme || 'HTTP').toLowerCase();
  const host = action.host || podIP;
  const port = resolveContainerPort(action.port, container);
  let path = typeof action.path === 'string' ? action.path : '';
  if (path !== '' && !path.startsWith('/')) path = `/${path}`;
  const headers = (Array.isArray(action.httpHeaders) ? action.httpHeaders : [])
    .filter((h: KubeObject) => h && typeof h.name === 'string' && h.name !== '')
    .map((h: KubeObject) => ({ name: h.name as string, value: String(h.value ?? '') }));
  return { url: `${scheme}://${joinHostPort(host, port)}${path}`, headers };
}

export async function httpGet(opts: HttpGetOptions): Promise<HttpGetResult> {
  const deadline = Date.now() + opts.timeoutMs;
  let target: URL;
  try {
    target = new URL(opts.url);
  } catch {
    return { kind: 'error', message: `parse ${goQuote(opts.url)}: invalid URL` };
  }
  const originalHost = target.hostname;
  let shown = opts.url;
  for (let requests = 1; ; requests++) {
    let res: RawResponse;
    try {
      res = await requestOnce(target, opts, deadline);
    } catch (err) {
      const failure = err as RequestFailure;
      return {
        kind: 'error',
        message: `Get ${goQuote(shown)}: ${failure.goMessage ?? String(err)}`,
        httpResponseToHttps: failure.httpResponseToHttps,
      };
    }
    const isRedirect = [301, 302, 303, 307, 308].includes(res.statusCode) && res.location;
    if (!isRedirect) return { kind: 'response', statusCode: res.statusCode, body: res.body, url: shown };
    let next: URL;
    try {
      next = new URL(res.location!, target);
    } catch {
      return { kind: 'response', statusCode: res.statusCode, body: res.body, url: shown };
    }
    // Like the kubelet's redirect checker: a redirect to another host ends the chain with the 3xx response.
    if (!opts.followNonLocalRedirects && next.hostname !== originalHost) {
      return { kind: 'response', statusCode: res.statusCode, body: res.body, url: shown };
    }
    if (requests >= MAX_REDIRECTS) return { kind: 'error', message: `Get ${goQuote(next.href)}: stopped after ${MAX_REDIRECTS} redirects` };
    target = next;
    shown = next.href;
  }
}

interface RawResponse {
  statusCode: number;
  location?: string;
  body: string;
}

interface RequestFailure extends Error {
  goMessage?: string;
  httpResponseToHttps?: boolean;
}

function failure(goMessage: string, extra: Partial<RequestFailure> = {}): RequestFailure {
  return Object.assign(new Error(goMessage), { goMessage, ...extra });
}

/** The user's headers (repeats kept, first spelling of a name wins) plus the kubelet's defaults. */
function requestHeaders(opts: HttpGetOptions): Record<string, string | string[]> {
  const byName = new Map<string, { name: string; values: string[] }>();
  for (const h of opts.headers) {
    const key = h.name.toLowerCase();
    const entry = byName.get(key) ?? { name: h.name, values: [] };
    entry.values.push(h.value);
    byName.set(key, entry);
  }
  if (!byName.has('user-agent')) byName.set('user-agent', { name: 'User-Agent', values: [opts.userAgent] });
  if (!byName.has('accept')) byName.set('accept', { name: 'Accept', values: ['*/*'] });
  byName.set('connection', { name: 'Connection', values: ['close'] });
  const out: Record<string, string | string[]> = {};
  for (const { name, values } of byName.values()) out[name] = values.length === 1 ? values[0] : values;
  return out;
}

function isPlainHttpAnswer(err: unknown): boolean {
  const e = err as NodeJS.ErrnoException | undefined;
  return e?.code === 'ERR_SSL_WRONG_VERSION_NUMBER' || /wrong version number|packet length too long|http request/i.test(e?.message ?? '');
}

function requestOnce(url: URL, opts: HttpGetOptions, deadline: number): Promise<RawResponse> {
  const secure = url.protocol === 'https:';
  const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = Number(url.port || (secure ? 443 : 80));
  const address = joinHostPort(hostname, port);
  return new Promise<RawResponse>((resolve, reject) => {
    let phase: 'connecting' | 'awaiting headers' | 'reading body' = 'connecting';
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      fn();
    };
    const options: https.RequestOptions = {
      protocol: url.protocol,
      hostname,
      port,
      path: `${url.pathname}${url.search}`,
      method: 'GET',
      headers: requestHeaders(opts),
      agent: false,
      ...(secure ? { rejectUnauthorized: false } : {}),
    };
    const req = (secure ? https : http).request(options, (res) => {
      phase = 'reading body';
      const chunks: Buffer[] = [];
      let size = 0;
      const done = () =>
        finish(() => {
          resolve({
            statusCode: res.statusCode ?? 0,
            location: typeof res.headers.location === 'string' ? res.headers.location : undefined,
            body: Buffer.concat(chunks).subarray(0, MAX_BODY_BYTES).toString('utf8'),
          });
          res.destroy();
        });
      res.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        size += chunk.length;
        // Enough read: the rest of a large body does not change the verdict.
        if (size >= MAX_BODY_BYTES) done();
      });
      res.on('end', done);
      res.on('error', (err) => finish(() => reject(failure(goConnectionError(err)))));
      res.on('aborted', () => finish(() => reject(failure('unexpected EOF'))));
    });
    req.on('socket', (socket) => {
      socket.once(secure ? 'secureConnect' : 'connect', () => {
        if (phase === 'connecting') phase = 'awaiting headers';
      });
    });
    req.on('error', (err) => {
      finish(() => {
        if (secure && isPlainHttpAnswer(err)) {
          reject(failure('http: server gave HTTP response to HTTPS client', { httpResponseToHttps: true }));
        } else if (phase === 'connecting') {
          reject(failure(goDialError(err, address, hostname)));
        } else {
          reject(failure(goConnectionError(err)));
        }
      });
    });
    const timer = setTimeout(
      () => {
        const message =
          phase === 'connecting'
            ? `dial tcp ${address}: i/o timeout (Client.Timeout exceeded while awaiting headers)`
            : phase === 'awaiting headers'
              ? 'context deadline exceeded (Client.Timeout exceeded while awaiting headers)'
              : 'context deadline exceeded (Client.Timeout or context cancellation while reading body)';
        finish(() => reject(failure(message)));
        req.destroy();
      },
      Math.max(0, deadline - Date.now()),
    );
    req.end();
  });
}
