// HTTP watch streams: newline-delimited JSON events ({type, object}), flushed as they
// happen, with the initial state for resourceVersion ""/"0", bookmarks, timeoutSeconds,
// and an ERROR event with 410 Expired when the requested revision is compacted.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { KubeObject } from '../api/resource-type.ts';
import { CompactedError, type Watch } from '../storage/store.ts';
import { badRequest, expired } from './errors.ts';
import type { ObjectFilter } from './storage/object-filter.ts';
import type { ObjectWatchEvent, ResourceStore } from './storage/resource-store.ts';
import { type IncludeObject, toTable } from './table.ts';

export interface WatchParams {
  namespace?: string;
  filter?: ObjectFilter;
  resourceVersion?: string;
  timeoutSeconds?: number;
  allowBookmarks: boolean;
  table?: { include: IncludeObject; version: 'v1' | 'v1beta1' };
}

/** A watcher whose unsent output exceeds this is closed; it re-watches from its last RV. */
const maxBufferedBytes = 16 * 1024 * 1024;
const bookmarkIntervalMs = 30_000;
/** Like kube-apiserver's --min-request-timeout (1800 s), randomised up to twice that. */
const defaultTimeoutSeconds = 1800;

export async function serveWatch(req: IncomingMessage, res: ServerResponse, rs: ResourceStore, params: WatchParams): Promise<void> {
  const rv = params.resourceVersion ?? '';
  let afterRevision: number;
  let initial: KubeObject[] = [];
  if (rv === '' || rv === '0') {
    const listed = await rs.list({ namespace: params.namespace, filter: params.filter });
    initial = listed.items;
    afterRevision = Number(listed.resourceVersion);
  } else {
    afterRevision = Number(rv);
    if (!Number.isInteger(afterRevision) || afterRevision < 0) throw badRequest(`invalid resource version: "${rv}"`);
  }

  res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
  res.flushHeaders();

  let lastRevision = afterRevision;
  let sentHeaders = false;
  let finished = false;
  let watch: Watch | undefined;
  const timers: NodeJS.Timeout[] = [];

  const finish = () => {
    if (finished) return;
    finished = true;
    watch?.close();
    for (const t of timers) clearInterval(t);
    res.end();
  };
  const writeLine = (event: unknown) => {
    if (finished) return;
    res.write(`${JSON.stringify(event)}\n`);
    if (res.writableLength > maxBufferedBytes) finish();
  };
  const encode = (type: string, obj: KubeObject): unknown => {
    if (!params.table) return { type, object: obj };
    const table = toTable(rs.rt, [obj], {
      include: params.table.include,
      tableVersion: params.table.version,
      noHeaders: sentHeaders,
      resourceVersion: obj.metadata?.resourceVersion,
    });
    sentHeaders = true;
    return { type, object: table };
  };
  const send = (events: ObjectWatchEvent[]) => {
    for (const ev of events) {
      writeLine(encode(ev.type, ev.object));
      const evRev = Number(ev.object.metadata?.resourceVersion);
      if (evRev > lastRevision) lastRevision = evRev;
    }
  };

  req.on('close', finish);
  res.on('error', finish);

  for (const obj of initial) writeLine(encode('ADDED', obj));

  try {
    watch = rs.watch({ namespace: params.namespace, filter: params.filter, afterRevision }, send, () => finish());
  } catch (err) {
    if (err instanceof CompactedError) {
      const status = expired(`too old resource version: ${afterRevision} (${err.compacted + 1})`).toStatus();
      writeLine({ type: 'ERROR', object: status });
      finish();
      return;
    }
    throw err;
  }

  const timeout = params.timeoutSeconds && params.timeoutSeconds > 0 ? params.timeoutSeconds : defaultTimeoutSeconds * (1 + Math.random());
  timers.push(setTimeout(finish, timeout * 1000));
  if (params.allowBookmarks) {
    const bookmark = () =>
      writeLine({
        type: 'BOOKMARK',
        object: { kind: rs.rt.kind, apiVersion: rs.apiVersion, metadata: { resourceVersion: String(lastRevision) } },
      });
    timers.push(setInterval(bookmark, bookmarkIntervalMs));
  }
}
