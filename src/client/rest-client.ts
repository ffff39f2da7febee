// The one HTTP client every component uses to talk to the API server, in-process or
// remote: JSON over HTTP(S) with a bearer token and a keep-alive connection pool.
// Failures come back as ApiError carrying the server's Status; 429s are retried.
import http from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import type { KubeObject } from '../api/resource-type.ts';
import { apiErrorFromResponse } from './api-error.ts';
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

export interface RestClientOptions {
  userAgent?: string;
  /** How often a 429 (or a 5xx carrying Retry-After) is retried before giving up. */
  maxRetries?: number;
  /** Time limit for ordinary requests (not watches). Default 60 s. */
  requestTimeoutMs?: number;
  clock?: Clock;
}

export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
  resourceVersionMatch?: 'Exact' | 'NotOlderThan';
  signal?: AbortSignal;
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
}

export interface WriteOptions {
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

export interface DeleteOptions {
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

  constructor(config: ClientConfig, opts: RestClientOptions = {}) {
    this.config = config;
    this.baseUrl = new URL(config.server);
    const secure = this.baseUrl.protocol === 'https:';
    if (!secure && this.baseUrl.protocol !== 'http:') throw new Error(`unsupported server URL ${config.server}`);
    this.agent = secure
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
    const timeoutMs = opts.timeoutMs ?? this.requestTimeoutMs;
    const signals = [opts.signal, timeoutMs > 0 ? AbortSignal.timeout(timeoutMs) : undefined].filter((s) => s !== undefined);
    const signal = signals.length > 1 ? AbortSignal.any(signals) : signals[0];
    const { res } = await this.send(method, path, { ...opts, signal });
    const text = await readBody(res);
    if (opts.responseType === 'text') return text as T;
    return (text === '' ? undefined : JSON.parse(text)) as T;
  }

  get<T extends KubeObject = KubeObject>(
    res: ResourceDescriptor,
    namespace: string | undefined,
    name: string,
    opts: { subresource?: string; signal?: AbortSignal } = {},
  ): Promise<T> {
    return this.request('GET', resourcePath(res, namespace, name, opts.subresource), { signal: opts.signal });
  }

  /** One page of a list; pass `continue` from the previous page's metadata for the next. */
  list<T extends KubeObject = KubeObject>(res: ResourceDescriptor, namespace?: string, opts: ListOptions = {}): Promise<ObjectList<T>> {
    const { signal, ...query } = opts;
    return this.request('GET', resourcePath(res, namespace), { query: { ...query }, signal });
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
    return this.request('POST', resourcePath(res, namespace), { body: obj, query: writeQuery(opts), signal: opts.signal });
  }

  /** PUT of the whole object; its metadata.resourceVersion makes the write conditional (409 Conflict when stale). */
  update<T extends KubeObject = KubeObject>(res: ResourceDescriptor, obj: NoInfer<T>, opts: WriteOptions = {}): Promise<T> {
    return this.request('PUT', objectPath(res, obj), { body: obj, query: writeQuery(opts), signal: opts.signal });
  }

  /** PUT to the status subresource: only status changes are kept. */
  updateStatus<T extends KubeObject = KubeObject>(res: ResourceDescriptor, obj: NoInfer<T>, opts: WriteOptions = {}): Promise<T> {
    return this.request('PUT', objectPath(res, obj, 'status'), { body: obj, query: writeQuery(opts), signal: opts.signal });
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
    });
  }

  /** Returns what the server returns: the object (when deletion is pending) or a Status. */
  delete(res: ResourceDescriptor, namespace: string | undefined, name: string, opts: DeleteOptions = {}): Promise<KubeObject> {
    return this.request('DELETE', resourcePath(res, namespace, name), {
      body: deleteBody(opts),
      query: opts.dryRun ? { dryRun: 'All' } : {},
      signal: opts.signal,
    });
  }

  deleteCollection(
    res: ResourceDescriptor,
    namespace: string | undefined,
    opts: DeleteOptions & { labelSelector?: string; fieldSelector?: string } = {},
  ): Promise<KubeObject> {
    const query: Record<string, QueryValue> = { labelSelector: opts.labelSelector, fieldSelector: opts.fieldSelector };
    if (opts.dryRun) query.dryRun = 'All';
    return this.request('DELETE', resourcePath(res, namespace), { body: deleteBody(opts), query, signal: opts.signal });
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
    const { signal, ...rest } = opts;
    const query: Record<string, QueryValue> = { watch: true, ...rest };
    const { req, res: response } = await this.send('GET', resourcePath(res, namespace), { query, signal });
    const stream = new WatchStream<T>(req, response);
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
  private async send(method: string, path: string, opts: RequestOptions): Promise<{ req: http.ClientRequest; res: http.IncomingMessage }> {
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
    return new Promise<{ req: http.ClientRequest; res: http.IncomingMessage }>((resolve, reject) => {
      const transport = url.protocol === 'https:' ? https : http;
      const req = transport.request(url, { method, headers, agent: this.agent, signal });
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
