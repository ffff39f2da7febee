// HTTP watch streams: newline-delimited JSON events ({type, object}), flushed as they happen
// (events the store delivers together in one write), with the initial state for
// resourceVersion ""/"0" or sendInitialEvents=true (then ended, when bookmarks are allowed, by a
// BOOKMARK annotated k8s.io/initial-events-end, as kube-apiserver's WatchList does), bookmarks,
// timeoutSeconds, and an ERROR event with 410 Expired when the requested revision is compacted.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { KubeObject } from '../api/resource-type.ts';
import { CompactedError, type Watch } from '../storage/store.ts';
import { expired } from './errors.ts';
import { parseResourceVersion } from './list-options.ts';
import type { ObjectFilter } from './storage/object-filter.ts';
import type { ObjectWatchEvent, ResourceStore } from './storage/resource-store.ts';
import { type IncludeObject, toTable } from './table.ts';

export interface WatchParams {
  namespace?: string;
  filter?: ObjectFilter;
  resourceVersion?: string;
  /**
   * true: the current state first (at least as new as resourceVersion), then the
   * initial-events-end bookmark if allowBookmarks; false: no initial state; undefined: the
   * initial state for resourceVersion ""/"0" only, without that bookmark.
   */
  sendInitialEvents?: boolean;
  timeoutSeconds?: number;
  allowBookmarks: boolean;
  table?: { include: IncludeObject; version: 'v1' | 'v1beta1' };
}

/** A watcher whose unsent output exceeds this is closed; it re-watches from its last RV. */
const maxBufferedBytes = 16 * 1024 * 1024;
const bookmarkIntervalMs = 30_000;
/** How long before a watch's timeout its last bookmark goes out (the cacher's pretimeout). */
const preDeadlineBookmarkMs = 2_000;
/** Like kube-apiserver's --min-request-timeout (1800 s), randomised up to twice that. */
const defaultTimeoutSeconds = 1800;
/** Many events (a large initial list) are written in chunks of about this size. */
const flushBytes = 256 * 1024;
export const initialEventsEndAnnotation = 'k8s.io/initial-events-end';
export const initialEventsListBlueprintAnnotation = 'kubernetes.io/initial-events-list-blueprint';

/** One event as a line: the same text as JSON.stringify({ type, object }) followed by a newline. */
function eventLine(type: string, objectJson: string): string {
  return `{"type":${JSON.stringify(type)},"object":${objectJson}}\n`;
}

/**
 * The JSON of watch event objects. One write's object is shared by every watcher that gets it
 * (ResourceStore decodes it once), so it is serialized once too.
 */
const eventObjectJson = new WeakMap<KubeObject, string>();
function sharedJson(obj: KubeObject): string {
  let json = eventObjectJson.get(obj);
  if (json === undefined) {
    json = JSON.stringify(obj);
    eventObjectJson.set(obj, json);
  }
  return json;
}

export async function serveWatch(req: IncomingMessage, res: ServerResponse, rs: ResourceStore, params: WatchParams): Promise<void> {
  const rv = params.resourceVersion ?? '';
  const legacyInitial = rv === '' || rv === '0';
  const sendInitial = params.sendInitialEvents ?? legacyInitial;
  let afterRevision: number;
  let initial: KubeObject[] = [];
  if (sendInitial) {
    // NotOlderThan: the current state, once the store has reached the requested revision.
    if (!legacyInitial) await rs.waitForRevision(parseResourceVersion(rv));
    const listed = await rs.list({ namespace: params.namespace, filter: params.filter });
    initial = listed.items;
    afterRevision = Number(listed.resourceVersion);
  } else if (legacyInitial) {
    // sendInitialEvents=false from ""/"0": only the changes from now on.
    afterRevision = await rs.currentRevision();
  } else {
    afterRevision = parseResourceVersion(rv);
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
  /** Writes lines at once, as one chunk (one syscall however many events it holds). */
  const writeLines = (text: string) => {
    if (finished || text === '') return;
    res.write(text);
    if (res.writableLength > maxBufferedBytes) finish();
  };
  /** Joins lines into chunks of about flushBytes, so a large initial list is not one huge string. */
  const writeAll = (lines: Iterable<string>) => {
    let chunk = '';
    for (const line of lines) {
      chunk += line;
      if (chunk.length >= flushBytes) {
        writeLines(chunk);
        chunk = '';
      }
    }
    writeLines(chunk);
  };
  const encode = (type: string, obj: KubeObject, shared: boolean): string => {
    if (!params.table) return eventLine(type, shared ? sharedJson(obj) : JSON.stringify(obj));
    const table = toTable(rs.rt, [obj], {
      include: params.table.include,
      tableVersion: params.table.version,
      noHeaders: sentHeaders,
      resourceVersion: obj.metadata?.resourceVersion,
    });
    sentHeaders = true;
    return eventLine(type, JSON.stringify(table));
  };
  // The events the store delivers together (those committed since the last delivery) go out in one write.
  const send = (events: ObjectWatchEvent[]) => {
    const lines: string[] = [];
    for (const ev of events) {
      lines.push(encode(ev.type, ev.object, true));
      const evRev = Number(ev.object.metadata?.resourceVersion);
      if (evRev > lastRevision) lastRevision = evRev;
    }
    writeAll(lines);
  };

  req.on('close', finish);
  res.on('error', finish);

  writeAll(initial.map((obj) => encode('ADDED', obj, false)));
  if (params.sendInitialEvents === true && params.allowBookmarks) {
    // The end of the initial events: the snapshot's revision, marked as such. kube-apiserver 1.33
    // also adds the empty list the client builds its result from (base64 of its JSON).
    const blueprint = `${JSON.stringify({ kind: rs.rt.listKind ?? `${rs.rt.kind}List`, apiVersion: rs.apiVersion, metadata: {}, items: null })}\n`;
    const annotations = {
      [initialEventsEndAnnotation]: 'true',
      [initialEventsListBlueprintAnnotation]: Buffer.from(blueprint).toString('base64'),
    };
    writeLines(
      eventLine(
        'BOOKMARK',
        JSON.stringify({ kind: rs.rt.kind, apiVersion: rs.apiVersion, metadata: { resourceVersion: String(afterRevision), annotations } }),
      ),
    );
  }

  try {
    watch = rs.watch({ namespace: params.namespace, filter: params.filter, afterRevision }, send, () => finish());
  } catch (err) {
    if (err instanceof CompactedError) {
      const status = expired(`too old resource version: ${afterRevision} (${err.compacted + 1})`).toStatus();
      writeLines(eventLine('ERROR', JSON.stringify(status)));
      finish();
      return;
    }
    throw err;
  }

  const timeout = params.timeoutSeconds && params.timeoutSeconds > 0 ? params.timeoutSeconds : defaultTimeoutSeconds * (1 + Math.random());
  const deadline = Date.now() + timeout * 1000;
  timers.push(setTimeout(finish, timeout * 1000));
  if (params.allowBookmarks) {
    // As kube-apiserver's cacheWatcher.nextBookmarkTime: a bookmark every bookmarkIntervalMs and one
    // 2 s before the deadline, so a client that re-watches at the timeout resumes from a recent
    // revision; none when the watch ends sooner than that.
    const scheduleBookmark = () => {
      const now = Date.now();
      const at = Math.min(now + bookmarkIntervalMs, deadline - preDeadlineBookmarkMs);
      if (at > now) timers.push(setTimeout(bookmark, at - now));
    };
    const bookmark = () => {
      writeLines(
        eventLine(
          'BOOKMARK',
          JSON.stringify({ kind: rs.rt.kind, apiVersion: rs.apiVersion, metadata: { resourceVersion: String(lastRevision) } }),
        ),
      );
      scheduleBookmark();
    };
    scheduleBookmark();
  }
}
