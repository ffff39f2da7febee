// A tiny in-memory Kubernetes API server for client tests: get/list/create/update/patch/
// delete and watch on any resource path, plus levers to misbehave on purpose (end or
// break watch streams, answer 410 Gone, inject canned responses).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import jsonMergePatch from 'json-merge-patch';
import type { KubeObject } from '../../api/resource-type.ts';

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface CannedResponse {
  code: number;
  body?: unknown;
  headers?: Record<string, string>;
}

interface Target {
  /** Collection path without the namespace, e.g. "/api/v1/pods": identifies the resource. */
  resource: string;
  namespace?: string;
  name?: string;
  subresource?: string;
}

interface OpenWatch {
  resource: string;
  namespace?: string;
  res: http.ServerResponse;
  matches: (obj: KubeObject) => boolean;
}

interface HistoryEntry {
  resource: string;
  rv: number;
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: KubeObject;
}

export class FakeKubeServer {
  readonly requests: RecordedRequest[] = [];
  /** How a watch from a compacted resourceVersion fails: HTTP 410, or 200 then an ERROR event. */
  goneMode: 'http' | 'event' = 'http';
  private rv = 100;
  private compactedRv = 0;
  private readonly objects = new Map<string, KubeObject>();
  private readonly history: HistoryEntry[] = [];
  private readonly watches = new Set<OpenWatch>();
  private readonly canned: { matches: (r: RecordedRequest) => boolean; response: CannedResponse }[] = [];
  private readonly server = http.createServer((req, res) => this.handle(req, res));
  url = '';

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    for (const w of this.watches) w.res.destroy();
    this.watches.clear();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** The next request for which `matches` holds gets this response instead. */
  respondOnce(matches: (r: RecordedRequest) => boolean, response: CannedResponse): void {
    this.canned.push({ matches, response });
  }

  get resourceVersion(): number {
    return this.rv;
  }

  openWatches(): number {
    return this.watches.size;
  }

  watchRequests(): RecordedRequest[] {
    return this.requests.filter((r) => r.query.get('watch') === 'true');
  }

  listRequests(): RecordedRequest[] {
    return this.requests.filter((r) => r.method === 'GET' && r.query.get('watch') !== 'true');
  }

  // --- direct state changes (as if another client wrote), delivered to open watches ---

  put(resource: string, obj: KubeObject): KubeObject {
    const key = objectKey(resource, obj.metadata?.namespace, obj.metadata!.name);
    const existed = this.objects.has(key);
    const stored = structuredClone(obj);
    stored.metadata = { uid: `uid-${obj.metadata!.name}-${this.rv + 1}`, creationTimestamp: '2026-01-01T00:00:00Z', ...stored.metadata };
    stored.metadata!.resourceVersion = String(++this.rv);
    this.objects.set(key, stored);
    this.record(resource, existed ? 'MODIFIED' : 'ADDED', stored);
    return structuredClone(stored);
  }

  remove(resource: string, namespace: string | undefined, name: string): KubeObject | undefined {
    const key = objectKey(resource, namespace, name);
    const obj = this.objects.get(key);
    if (!obj) return undefined;
    this.objects.delete(key);
    const deleted = structuredClone(obj);
    deleted.metadata!.resourceVersion = String(++this.rv);
    this.record(resource, 'DELETED', deleted);
    return deleted;
  }

  getObject(resource: string, namespace: string | undefined, name: string): KubeObject | undefined {
    const obj = this.objects.get(objectKey(resource, namespace, name));
    return obj && structuredClone(obj);
  }

  // --- watch levers ---

  /** Forgets history up to now: watches from an older resourceVersion get 410 Gone. */
  compact(): void {
    this.compactedRv = this.rv;
    this.history.length = 0;
  }

  /** Ends every open watch cleanly, as a server-side timeout would. */
  endWatches(): void {
    for (const w of this.watches) w.res.end();
    this.watches.clear();
  }

  /** Cuts every open watch connection abruptly. */
  breakWatches(): void {
    for (const w of this.watches) w.res.socket?.destroy();
    this.watches.clear();
  }

  /** Sends an ERROR event with a 410 Expired Status on every open watch, then ends them. */
  expireWatches(): void {
    for (const w of this.watches) {
      w.res.write(`${JSON.stringify({ type: 'ERROR', object: goneStatus(this.compactedRv) })}\n`);
      w.res.end();
    }
    this.watches.clear();
  }

  sendBookmarks(): void {
    for (const w of this.watches) {
      w.res.write(
        `${JSON.stringify({ type: 'BOOKMARK', object: { kind: 'Bookmark', metadata: { resourceVersion: String(this.rv) } } })}\n`,
      );
    }
  }

  /** Writes raw bytes to every open watch (to test framing). */
  writeRawToWatches(data: string | Buffer): void {
    for (const w of this.watches) w.res.write(data);
  }

  // --- HTTP handling ---

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const recorded: RecordedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      body: Buffer.concat(chunks).toString(),
    };
    this.requests.push(recorded);

    const cannedIndex = this.canned.findIndex((c) => c.matches(recorded));
    if (cannedIndex >= 0) {
      const { response } = this.canned.splice(cannedIndex, 1)[0];
      res.writeHead(response.code, { 'Content-Type': 'application/json', ...response.headers });
      res.end(response.body === undefined ? '' : typeof response.body === 'string' ? response.body : JSON.stringify(response.body));
      return;
    }

    const target = parseTarget(url.pathname);
    if (!target) {
      send(res, 404, status(404, 'NotFound', 'the server could not find the requested resource'));
      return;
    }
    const body = recorded.body ? JSON.parse(recorded.body) : undefined;
    const q = url.searchParams;
    switch (recorded.method) {
      case 'GET':
        if (target.name) return this.getOne(res, target);
        if (q.get('watch') === 'true') return this.watch(res, target, q);
        return this.list(res, target, q);
      case 'POST':
        return this.create(res, target, body);
      case 'PUT':
        return this.update(res, target, body);
      case 'PATCH':
        return this.patch(res, target, body);
      case 'DELETE':
        return this.delete(res, target);
    }
    send(res, 405, status(405, 'MethodNotAllowed', 'method not allowed'));
  }

  private getOne(res: http.ServerResponse, t: Target): void {
    const obj = this.getObject(t.resource, t.namespace, t.name!);
    if (!obj) {
      send(res, 404, notFound(t));
      return;
    }
    send(res, 200, obj);
  }

  private list(res: http.ServerResponse, t: Target, q: URLSearchParams): void {
    const matches = selectorMatcher(q);
    const all = this.itemsOf(t).filter(matches);
    const limit = Number(q.get('limit') ?? 0);
    const offset = Number(q.get('continue') ?? 0);
    const items = limit > 0 ? all.slice(offset, offset + limit) : all;
    const more = limit > 0 && offset + limit < all.length;
    send(res, 200, {
      kind: 'List',
      apiVersion: 'v1',
      metadata: { resourceVersion: String(this.rv), ...(more ? { continue: String(offset + limit) } : {}) },
      items,
    });
  }

  private watch(res: http.ServerResponse, t: Target, q: URLSearchParams): void {
    const fromRv = q.get('resourceVersion') ?? '';
    const from = Number(fromRv || 0);
    if (fromRv !== '' && fromRv !== '0' && from < this.compactedRv) {
      if (this.goneMode === 'http') {
        send(res, 410, goneStatus(this.compactedRv));
        return;
      }
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(`${JSON.stringify({ type: 'ERROR', object: goneStatus(this.compactedRv) })}\n`);
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
    res.flushHeaders();
    const matches = selectorMatcher(q);
    const w: OpenWatch = { resource: t.resource, namespace: t.namespace, res, matches };
    if (fromRv === '' || fromRv === '0') {
      for (const obj of this.itemsOf(t).filter(matches)) res.write(`${JSON.stringify({ type: 'ADDED', object: obj })}\n`);
    } else {
      for (const e of this.history)
        if (e.rv > from && this.wants(w, e.object, e.resource)) res.write(`${JSON.stringify({ type: e.type, object: e.object })}\n`);
    }
    this.watches.add(w);
    res.on('close', () => this.watches.delete(w));
  }

  private create(res: http.ServerResponse, t: Target, body: KubeObject): void {
    const name = body?.metadata?.name;
    if (!name) {
      send(res, 422, status(422, 'Invalid', 'metadata.name: Required value'));
      return;
    }
    const obj = { ...body, metadata: { ...body.metadata, ...(t.namespace ? { namespace: t.namespace } : {}) } };
    if (this.objects.has(objectKey(t.resource, obj.metadata.namespace, name))) {
      send(res, 409, status(409, 'AlreadyExists', `${pluralOf(t)} "${name}" already exists`, { name, kind: pluralOf(t) }));
      return;
    }
    send(res, 201, this.put(t.resource, obj));
  }

  private update(res: http.ServerResponse, t: Target, body: KubeObject): void {
    const current = this.objects.get(objectKey(t.resource, t.namespace, t.name!));
    if (!current) {
      send(res, 404, notFound(t));
      return;
    }
    const wanted = body?.metadata?.resourceVersion;
    if (wanted && wanted !== current.metadata!.resourceVersion) {
      const msg = `Operation cannot be fulfilled on ${pluralOf(t)} "${t.name}": the object has been modified; please apply your changes to the latest version and try again`;
      send(res, 409, status(409, 'Conflict', msg, { name: t.name, kind: pluralOf(t) }));
      return;
    }
    send(res, 200, this.put(t.resource, { ...body, metadata: { ...body.metadata, uid: current.metadata!.uid } }));
  }

  private patch(res: http.ServerResponse, t: Target, patch: unknown): void {
    const current = this.objects.get(objectKey(t.resource, t.namespace, t.name!));
    if (!current) {
      send(res, 404, notFound(t));
      return;
    }
    send(res, 200, this.put(t.resource, jsonMergePatch.apply(structuredClone(current), patch) as KubeObject));
  }

  private delete(res: http.ServerResponse, t: Target): void {
    const deleted = this.remove(t.resource, t.namespace, t.name!);
    if (!deleted) {
      send(res, 404, notFound(t));
      return;
    }
    send(res, 200, deleted);
  }

  private itemsOf(t: Target): KubeObject[] {
    return [...this.objects.entries()]
      .filter(([key, obj]) => key.startsWith(`${t.resource}|`) && (!t.namespace || obj.metadata?.namespace === t.namespace))
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([, obj]) => structuredClone(obj));
  }

  private record(resource: string, type: HistoryEntry['type'], object: KubeObject): void {
    this.history.push({ resource, rv: this.rv, type, object: structuredClone(object) });
    for (const w of this.watches) {
      if (this.wants(w, object, resource)) w.res.write(`${JSON.stringify({ type, object })}\n`);
    }
  }

  private wants(w: OpenWatch, obj: KubeObject, resource: string): boolean {
    return w.resource === resource && (!w.namespace || obj.metadata?.namespace === w.namespace) && w.matches(obj);
  }
}

function parseTarget(pathname: string): Target | undefined {
  const all = pathname.split('/').filter(Boolean).map(decodeURIComponent);
  const gvLength = all[0] === 'api' ? 2 : all[0] === 'apis' ? 3 : 0;
  if (!gvLength) return undefined;
  const gv = all.slice(0, gvLength);
  const segs = all.slice(gvLength);
  const prefix = `/${gv.join('/')}`;
  if (segs[0] === 'namespaces' && segs.length >= 3) {
    return { resource: `${prefix}/${segs[2]}`, namespace: segs[1], name: segs[3], subresource: segs[4] };
  }
  if (!segs[0]) return undefined;
  return { resource: `${prefix}/${segs[0]}`, name: segs[1], subresource: segs[2] };
}

function objectKey(resource: string, namespace: string | undefined, name: string): string {
  return `${resource}|${namespace ?? ''}|${name}`;
}

function pluralOf(t: Target): string {
  return t.resource.split('/').pop()!;
}

/** Equality-only label and field selectors ("a=b,c=d"), enough for tests. */
function selectorMatcher(q: URLSearchParams): (obj: KubeObject) => boolean {
  const labels = parsePairs(q.get('labelSelector'));
  const fields = parsePairs(q.get('fieldSelector'));
  return (obj) =>
    labels.every(([k, v]) => obj.metadata?.labels?.[k] === v) &&
    fields.every(([path, v]) => String(path.split('.').reduce<any>((o, key) => o?.[key], obj) ?? '') === v);
}

function parsePairs(selector: string | null): [string, string][] {
  if (!selector) return [];
  return selector.split(',').map((pair) => {
    const [k, v] = pair.split('=');
    return [k.trim(), (v ?? '').trim()];
  });
}

function status(code: number, reason: string, message: string, details?: object) {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, details, code };
}

function notFound(t: Target) {
  return status(404, 'NotFound', `${pluralOf(t)} "${t.name}" not found`, { name: t.name, kind: pluralOf(t) });
}

function goneStatus(compactedRv: number) {
  return status(410, 'Expired', `too old resource version: requested (oldest available ${compactedRv + 1})`);
}

function send(res: http.ServerResponse, code: number, body: unknown): void {
  res.writeHead(code, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}
