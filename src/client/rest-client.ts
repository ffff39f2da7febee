// The one HTTP client every component uses to talk to the API server, in-process or
// remote: JSON over HTTP(S) with a bearer token and a keep-alive connection pool.
// Failures come back as ApiError carrying the server's Status; 429s are retried.
//
// Dead connections: a network partition does not close sockets, it silences them, so every
// request has a time limit, a watch must get its response headers within that limit, and a
// watch may be given an idle limit. A request that times out is taken as a sign that the
// path to the server broke: the idle keep-alive sockets are destroyed (the next requests open
// fresh connections) and every open watch that has received nothing since that request was
// sent is failed, so its informer re-watches on a new connection instead of waiting for ever.
// When a later request is answered, the path works again: reads, PUTs and watches still
// waiting that were sent since the first timeout (into the dead path) are abandoned at once
// with an error the caller retries, rather than each waiting out its own time limit. POSTs and
// PATCHes are not: the server may have applied one, and a retry could apply it twice.
import http from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import type { KubeObject } from '../api/resource-type.ts';
import { ApiError, apiErrorFromResponse } from './api-error.ts';
import { type Clock, realClock, sleep } from './clock.ts';
import { type ClientConfig, loadKubeconfig } from './kubeconfig.ts';
import { type ResourceDescriptor, resourcePath } from './resource-path.ts';
import { WatchStream } from './watch-stream.ts';

export type QueryValue = string | number | boolean | undefined | null;

export interface RequestOptions {
  query?: Record<string, QueryValue>;
  /** Serialized as JSON unless it is already a string or Buffer. */
  body?: unknown;
  /** Defaults to application/json when there is a body. */
  contentType?: string;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** 'json' (default) parses the response; 'text' returns it as a string (e.g. pod logs). */
  responseType?: 'json' | 'text';
  /** Per-request time limit; defaults to the client's requestTimeoutMs. 0 disables it. */
  timeoutMs?: number;
}

/** A per-request time limit (ms) instead of the client's requestTimeoutMs. */
interface TimeLimit {
  timeoutMs?: number;
}

export interface RestClientOptions {
  userAgent?: string;
  /** How often a 429 (or a 5xx carrying Retry-After) is retried before giving up. */
  maxRetries?: number;
  /** Time limit for ordinary requests, and for a watch to be answered. Default 60 s. */
  requestTimeoutMs?: number;
  clock?: Clock;
  /**
   * Reach the server through this Unix socket (plain HTTP) instead of dialing config.server,
   * which stays the advertised URL: for clients inside the API server's own process.
   */
  socketPath?: string;
}

export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
  resourceVersionMatch?: 'Exact' | 'NotOlderThan';
  signal?: AbortSignal;
  timeoutMs?: number;
}

export interface ObjectList<T extends KubeObject = KubeObject> {
  apiVersion?: string;
  kind?: string;
  metadata: { resourceVersion?: string; continue?: string; remainingItemCount?: number };
  items: T[];
}

export interface WatchOptions {
  labelSelector?: string;
  fieldSelector?: string;
  /** Start after this version; "" = from now (after sending current objects as ADDED on most servers). */
  resourceVersion?: string;
  allowWatchBookmarks?: boolean;
  /** Asks the server to end the stream after this long. */
  timeoutSeconds?: number;
  signal?: AbortSignal;
  /**
   * Fail the stream when nothing (not even a bookmark) arrived for this long: the connection
   * is presumed dead. Only useful with allowWatchBookmarks and a longer value than the server's
   * bookmark interval. Default: off.
   */
  idleTimeoutMs?: number;
}

export interface WriteOptions extends TimeLimit {
  dryRun?: boolean;
  fieldManager?: string;
  fieldValidation?: 'Strict' | 'Warn' | 'Ignore';
  signal?: AbortSignal;
}

export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

const patchContentTypes: Record<PatchType, string> = {
  json: 'application/json-patch+json',
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
};

export interface PatchOptions extends WriteOptions {
  subresource?: string;
  /** Server-side apply: take ownership of conflicting fields. */
  force?: boolean;
}

export interface DeleteOptions extends TimeLimit {
  propagationPolicy?: 'Foreground' | 'Background' | 'Orphan';
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: boolean;
  signal?: AbortSignal;
}

export class RestClient {
  readonly config: ClientConfig;
  private readonly baseUrl: URL;
  private readonly agent: http.Agent;
  private readonly userAgent: string;
  private readonly maxRetries: number;
  private readonly requestTimeoutMs: number;
  private readonly clock: Clock;
  /** Open watches, so that a timed-out request can fail the silent ones (see the top of the file). */
  private readonly openWatches = new Set<WatchStream>();
  /** Requests (and watches) sent and not answered yet. */
  private readonly waiting = new Set<WaitingRequest>();
  /** Since when requests may have gone into a dead path (the first timed-out request's send time). */
  private suspectSince?: number;
  private lastTimeoutAt = 0;
  readonly connectionStats = { requestTimeouts: 0, idleSocketsDestroyed: 0, silentWatchesFailed: 0, abandonedRequests: 0 };
  private readonly socketPath?: string;
  private readonly transport: typeof http | typeof https;
  private readonly viaSocket: { socketPath?: string; protocol?: string };

  constructor(config: ClientConfig, opts: RestClientOptions = {}) {
    this.config = config;
    this.baseUrl = new URL(config.server);
    const secure = this.baseUrl.protocol === 'https:';
    if (!secure && this.baseUrl.protocol !== 'http:') throw new Error(`unsupported server URL ${config.server}`);
    this.socketPath = opts.socketPath;
    // The socket speaks plain HTTP, whatever the advertised URL's scheme; its requests still
    // name the advertised server (their Host header).
    const useTls = secure && !this.socketPath;
    this.transport = useTls ? https : http;
    this.viaSocket = this.socketPath ? { socketPath: this.socketPath, protocol: 'http:' } : {};
    this.agent = useTls
      ? new https.Agent({
          keepAlive: true,
          // One context for every connection: building it per connection (parsing the CA and
          // key each time) cost milliseconds per new socket during bursts of requests.
          secureContext: tls.createSecureContext({ ca: config.caPem, cert: config.clientCertPem, key: config.clientKeyPem }),
          rejectUnauthorized: !config.insecureSkipTLSVerify,
        })
      : new http.Agent({ keepAlive: true });
    this.userAgent = opts.userAgent ?? 'hale/0.1.0';
    this.maxRetries = opts.maxRetries ?? 10;
    this.requestTimeoutMs = opts.requestTimeoutMs ?? 60_000;
    this.clock = opts.clock ?? realClock;
  }

  static fromKubeconfig(path?: string, opts?: RestClientOptions & { context?: string }): RestClient {
    return new RestClient(loadKubeconfig(path, { context: opts?.context }), opts);
  }

  /** Sends one request and returns the parsed body (or text); throws ApiError on a non-2xx answer. */
  async request<T = any>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    // Only requests that may be sent twice are abandoned: reads, and PUTs (a whole object,
    // conditional on its resourceVersion when it has one). A POST or PATCH sent into a path that
    // looked dead may have been applied, and a retry could apply it twice (a generateName create,
    // an Event, a JSON patch that appends).
    const abandonable = method === 'GET' || method === 'PUT';
    // The body is read within the time limit too.
    const text = await this.tracked(
      method,
      path,
      opts,
      abandonable,
      opts.timeoutMs ?? this.requestTimeoutMs,
      `${method} ${path}`,
      ({ res }) => readBody(res),
    );
    if (opts.responseType === 'text') return text as T;
    return (text === '' ? undefined : JSON.parse(text)) as T;
  }

  /**
   * Sends a request tracked until it is answered (see startWaiting) and hands the answer to
   * `use`, still within the time limit; failures say whether they were a time-out or abandoned.
   */
  private async tracked<R>(
    method: string,
    path: string,
    opts: RequestOptions,
    abandonable: boolean,
    timeoutMs: number,
    what: string,
    use: (sent: SentRequest) => R | Promise<R>,
  ): Promise<R> {
    const waiting = this.startWaiting(abandonable, timeoutMs, opts.signal);
    try {
      const sent = await this.send(method, path, { ...opts, signal: waiting.controller.signal });
      this.answered(waiting);
      return await use(sent);
    } catch (err) {
      if (err instanceof ApiError) this.answered(waiting);
      throw this.whyFailed(waiting, what, timeoutMs, err);
    } finally {
      this.finishWaiting(waiting);
    }
  }

  /**
   * Tracks a request until it is answered. Its one AbortController is aborted by the caller's
   * signal, by the time limit (timeoutMs, unless 0) and by abandonment; `abortedBy` says which.
   * (One controller and a timer instead of AbortSignal.timeout + AbortSignal.any per request:
   * those cost a measurable share of a busy agent's CPU.)
   */
  private startWaiting(abandonable: boolean, timeoutMs: number, callerSignal?: AbortSignal): WaitingRequest {
    const controller = new AbortController();
    const waiting: WaitingRequest = {
      sentAt: performance.now(),
      abandonable,
      controller,
      abort: (by) => {
        waiting.abortedBy ??= by;
        controller.abort();
      },
    };
    const abort = waiting.abort;
    // Unref'd like AbortSignal.timeout: a request's time limit alone keeps no process alive.
    if (timeoutMs > 0) waiting.timer = setTimeout(() => abort('timeout'), timeoutMs).unref();
    if (callerSignal?.aborted) abort('caller');
    else if (callerSignal) {
      const onAbort = () => abort('caller');
      callerSignal.addEventListener('abort', onAbort, { once: true });
      waiting.detach = () => callerSignal.removeEventListener('abort', onAbort);
    }
    this.waiting.add(waiting);
    return waiting;
  }

  private finishWaiting(waiting: WaitingRequest): void {
    clearTimeout(waiting.timer);
    waiting.detach?.();
    this.waiting.delete(waiting);
  }

  /** The error to throw for a failed request: a time-out or abandonment says so. */
  private whyFailed(waiting: WaitingRequest, what: string, timeoutMs: number, err: unknown): unknown {
    if (waiting.abortedBy === 'timeout') return this.timedOut(what, timeoutMs, waiting.sentAt, err);
    if (waiting.abortedBy === 'abandoned') return abandoned(what, err);
    return err;
  }

  /** A request got an answer: if it was sent after the last timeout, the path works again. */
  private answered(waiting: WaitingRequest): void {
    this.waiting.delete(waiting);
    const since = this.suspectSince;
    if (since === undefined || waiting.sentAt <= this.lastTimeoutAt) return;
    this.suspectSince = undefined;
    for (const other of this.waiting) {
      if (other.abandonable && other.sentAt >= since && other.sentAt < waiting.sentAt) {
        other.abort('abandoned');
        this.connectionStats.abandonedRequests++;
      }
    }
  }

  /** The error for a request sent at `sentAt` that got no answer in time (see connectionsSuspect). */
  private timedOut(what: string, timeoutMs: number, sentAt: number, cause: unknown): Error {
    this.connectionsSuspect(sentAt);
    return Object.assign(new Error(`${what}: no answer from the API server within ${timeoutMs} ms`), { code: 'ETIMEDOUT', cause });
  }

  /**
   * A request sent at `since` got no answer in time: the network path may be dead while its
   * sockets look open. Destroys the idle pooled sockets and fails every watch silent since then.
   */
  private connectionsSuspect(since: number): void {
    this.connectionStats.requestTimeouts++;
    this.suspectSince = Math.min(this.suspectSince ?? since, since);
    this.lastTimeoutAt = performance.now();
    for (const sockets of Object.values(this.agent.freeSockets)) {
      for (const socket of sockets ?? []) {
        socket.destroy();
        this.connectionStats.idleSocketsDestroyed++;
      }
    }
    for (const stream of this.openWatches) {
      if (stream.failIfSilentSince(since)) this.connectionStats.silentWatchesFailed++;
    }
  }

  get<T extends KubeObject = KubeObject>(
    res: ResourceDescriptor,
    namespace: string | undefined,
    name: string,
    opts: { subresource?: string; signal?: AbortSignal; timeoutMs?: number } = {},
  ): Promise<T> {
    return this.request('GET', resourcePath(res, namespace, name, opts.subresource), { signal: opts.signal, timeoutMs: opts.timeoutMs });
  }

  /** One page of a list; pass `continue` from the previous page's metadata for the next. */
  list<T extends KubeObject = KubeObject>(res: ResourceDescriptor, namespace?: string, opts: ListOptions = {}): Promise<ObjectList<T>> {
    const { signal, timeoutMs, ...query } = opts;
    return this.request('GET', resourcePath(res, namespace), { query: { ...query }, signal, timeoutMs });
  }

  /**
   * All pages of a list, read at one consistent resourceVersion. If the server expires the
   * continue token midway (410), the list is read again without paging.
   */
  async listAll<T extends KubeObject = KubeObject>(
    res: ResourceDescriptor,
    namespace?: string,
    opts: Omit<ListOptions, 'continue'> = {},
  ): Promise<{ items: T[]; resourceVersion: string }> {
    const items: T[] = [];
    let page = await this.list<T>(res, namespace, opts);
    const resourceVersion = page.metadata?.resourceVersion ?? '';
    items.push(...(page.items ?? []));
    while (page.metadata?.continue) {
      try {
        page = await this.list<T>(res, namespace, { ...opts, continue: page.metadata.continue });
      } catch (err) {
        if ((err as { code?: number }).code !== 410 || !opts.limit) throw err;
        return this.listAll(res, namespace, { ...opts, limit: undefined });
      }
      items.push(...(page.items ?? []));
    }
    return { items, resourceVersion };
  }

  create<T extends KubeObject = KubeObject>(
    res: ResourceDescriptor,
    namespace: string | undefined,
    obj: NoInfer<T>,
    opts: WriteOptions = {},
  ): Promise<T> {
    return this.request('POST', resourcePath(res, namespace), {
      body: obj,
      query: writeQuery(opts),
      signal: opts.signal,
      timeoutMs: opts.timeoutMs,
    });
  }

  /** PUT of the whole object; its metadata.resourceVersion makes the write conditional (409 Conflict when stale). */
  update<T extends KubeObject = KubeObject>(res: ResourceDescriptor, obj: NoInfer<T>, opts: WriteOptions = {}): Promise<T> {
    return this.request('PUT', objectPath(res, obj), {
      body: obj,
      query: writeQuery(opts),
      signal: opts.signal,
      timeoutMs: opts.timeoutMs,
    });
  }

  /** PUT to the status subresource: only status changes are kept. */
  updateStatus<T extends KubeObject = KubeObject>(res: ResourceDescriptor, obj: NoInfer<T>, opts: WriteOptions = {}): Promise<T> {
    return this.request('PUT', objectPath(res, obj, 'status'), {
      body: obj,
      query: writeQuery(opts),
      signal: opts.signal,
      timeoutMs: opts.timeoutMs,
    });
  }

  /** `patchType` is json, merge, strategic or apply, or a full Content-Type. */
  patch<T extends KubeObject = KubeObject>(
    res: ResourceDescriptor,
    namespace: string | undefined,
    name: string,
    patch: unknown,
    patchType: PatchType | string,
    opts: PatchOptions = {},
  ): Promise<T> {
    const contentType = patchContentTypes[patchType as PatchType] ?? patchType;
    const query: Record<string, QueryValue> = { ...writeQuery(opts) };
    if (opts.force) query.force = true;
    return this.request('PATCH', resourcePath(res, namespace, name, opts.subresource), {
      body: patch,
      contentType,
      query,
      signal: opts.signal,
      timeoutMs: opts.timeoutMs,
    });
  }

  /** Returns what the server returns: the object (when deletion is pending) or a Status. */
  delete(res: ResourceDescriptor, namespace: string | undefined, name: string, opts: DeleteOptions = {}): Promise<KubeObject> {
    return this.request('DELETE', resourcePath(res, namespace, name), {
      body: deleteBody(opts),
      query: opts.dryRun ? { dryRun: 'All' } : {},
      signal: opts.signal,
      timeoutMs: opts.timeoutMs,
    });
  }

  deleteCollection(
    res: ResourceDescriptor,
    namespace: string | undefined,
    opts: DeleteOptions & { labelSelector?: string; fieldSelector?: string } = {},
  ): Promise<KubeObject> {
    const query: Record<string, QueryValue> = { labelSelector: opts.labelSelector, fieldSelector: opts.fieldSelector };
    if (opts.dryRun) query.dryRun = 'All';
    return this.request('DELETE', resourcePath(res, namespace), {
      body: deleteBody(opts),
      query,
      signal: opts.signal,
      timeoutMs: opts.timeoutMs,
    });
  }

  /**
   * Opens a watch. Resolves once the server accepted it (rejects with ApiError, e.g. 410
   * when resourceVersion is too old); then iterate the stream and close() it when done.
   */
  async watch<T extends KubeObject = KubeObject>(
    res: ResourceDescriptor,
    namespace?: string,
    opts: WatchOptions = {},
  ): Promise<WatchStream<T>> {
    const { signal, idleTimeoutMs, ...rest } = opts;
    const query: Record<string, QueryValue> = { watch: true, ...rest };
    // The answer (headers) must come within the request timeout; the stream may then last.
    const path = resourcePath(res, namespace);
    const { req, res: response } = await this.tracked(
      'GET',
      path,
      { query, signal },
      true,
      this.requestTimeoutMs,
      `watch ${path}`,
      (sent) => sent,
    );
    const stream = new WatchStream<T>(req, response, { idleTimeoutMs });
    this.openWatches.add(stream as WatchStream);
    response.once('close', () => this.openWatches.delete(stream as WatchStream));
    if (signal) {
      const onAbort = () => stream.close();
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
      response.once('close', () => signal.removeEventListener('abort', onAbort));
    }
    return stream;
  }

  /** Closes pooled connections. Open watches end. */
  close(): void {
    this.agent.destroy();
  }

  /** Sends a request (retrying 429s) and resolves with a 2xx response whose body is unread. */
  private async send(method: string, path: string, opts: RequestOptions): Promise<SentRequest> {
    const url = this.urlFor(path, opts.query);
    const body = encodeBody(opts.body);
    const headers: Record<string, string> = { Accept: 'application/json', 'User-Agent': this.userAgent, ...opts.headers };
    if (this.config.token) headers.Authorization = `Bearer ${this.config.token}`;
    if (body !== undefined) {
      headers['Content-Type'] = opts.contentType ?? 'application/json';
      headers['Content-Length'] = String(body.length);
    }
    for (let attempt = 0; ; attempt++) {
      const { req, res } = await this.sendOnce(method, url, headers, body, opts.signal);
      const code = res.statusCode ?? 0;
      if (code >= 200 && code < 300) return { req, res };
      const text = await readBody(res);
      const wait = retryDelayMs(code, res.headers['retry-after']);
      if (wait !== undefined && attempt < this.maxRetries) {
        await sleep(this.clock, wait, opts.signal);
        continue;
      }
      throw apiErrorFromResponse(code, text);
    }
  }

  private sendOnce(method: string, url: URL, headers: Record<string, string>, body: Buffer | undefined, signal?: AbortSignal) {
    return new Promise<SentRequest>((resolve, reject) => {
      const req = this.transport.request(url, { method, headers, agent: this.agent, signal, ...this.viaSocket });
      req.once('response', (res) => resolve({ req, res }));
      req.once('error', reject);
      req.end(body);
    });
  }

  private urlFor(path: string, query?: Record<string, QueryValue>): URL {
    const url = new URL(this.baseUrl.href);
    url.pathname = url.pathname.replace(/\/+$/, '') + path;
    for (const [key, value] of Object.entries(query ?? {})) {
      if (value !== undefined && value !== null && value !== '') url.searchParams.set(key, String(value));
    }
    return url;
  }
}

type AbortCause = 'caller' | 'timeout' | 'abandoned';

/** A request sent and answered with a 2xx status, its body not read yet. */
interface SentRequest {
  req: http.ClientRequest;
  res: http.IncomingMessage;
}

interface WaitingRequest {
  sentAt: number;
  /** Reads, PUTs and watches; POSTs and PATCHes run to their own time limit. */
  abandonable: boolean;
  /** The request's signal: aborted by the caller, the time limit or abandonment. */
  controller: AbortController;
  abortedBy?: AbortCause;
  abort: (by: AbortCause) => void;
  timer?: NodeJS.Timeout;
  /** Removes the listener on the caller's signal. */
  detach?: () => void;
}

function abandoned(what: string, cause: unknown): Error {
  return Object.assign(new Error(`${what}: abandoned, sent while the connection to the API server was down; retry`), {
    code: 'ECONNRESET',
    cause,
  });
}

function objectPath(res: ResourceDescriptor, obj: KubeObject, subresource?: string): string {
  const name = obj.metadata?.name;
  if (!name) throw new Error(`cannot update ${res.plural}: the object has no metadata.name`);
  return resourcePath(res, obj.metadata?.namespace, name, subresource);
}

function writeQuery(opts: WriteOptions): Record<string, QueryValue> {
  return { dryRun: opts.dryRun ? 'All' : undefined, fieldManager: opts.fieldManager, fieldValidation: opts.fieldValidation };
}

function deleteBody(opts: DeleteOptions): object | undefined {
  const { propagationPolicy, gracePeriodSeconds, preconditions } = opts;
  if (propagationPolicy === undefined && gracePeriodSeconds === undefined && preconditions === undefined) return undefined;
  return { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy, gracePeriodSeconds, preconditions };
}

function encodeBody(body: unknown): Buffer | undefined {
  if (body === undefined) return undefined;
  if (Buffer.isBuffer(body)) return body;
  return Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
}

/** Like client-go: retry 429 always, and 500-504 when the server says when (Retry-After in seconds). */
function retryDelayMs(code: number, retryAfter: string | undefined): number | undefined {
  const seconds = retryAfter !== undefined && /^\d+$/.test(retryAfter.trim()) ? Number(retryAfter) : undefined;
  if (code === 429) return (seconds ?? 1) * 1000;
  if (code >= 500 && code <= 504 && seconds !== undefined) return seconds * 1000;
  return undefined;
}

/** The whole response body; with plain listeners, which cost less per request than `for await`. */
function readBody(res: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (chunk: Buffer) => chunks.push(chunk));
    res.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    res.once('error', reject);
    res.once('close', () => {
      if (!res.readableEnded) reject(Object.assign(new Error('Premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' }));
    });
  });
}
