import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { test } from 'node:test';
import { configMapResource } from '../api/kinds/core/configmap.ts';
import { MemoryStore } from '../storage/memory/memory-store.ts';
import { ResourceStore } from './storage/resource-store.ts';
import { serveWatch } from './watch-stream.ts';

/** Just enough of a ServerResponse to record what a watch writes. */
class RecordingResponse extends EventEmitter {
  readonly chunks: string[] = [];
  ended = false;
  writableLength = 0;
  writeHead(): this {
    return this;
  }
  flushHeaders(): void {}
  write(chunk: string): boolean {
    this.chunks.push(chunk);
    return true;
  }
  end(): void {
    this.ended = true;
  }
  lines(): { type: string; object: Record<string, any> }[] {
    return this.chunks
      .join('')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l));
  }
}

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

test('watch events delivered together go out in one chunk, the same text for every watcher', async () => {
  const rs = new ResourceStore(configMapResource, new MemoryStore());
  const watchers = [new RecordingResponse(), new RecordingResponse()];
  const requests = watchers.map(() => new EventEmitter());
  for (const [i, res] of watchers.entries()) {
    await serveWatch(requests[i] as unknown as IncomingMessage, res as unknown as ServerResponse, rs, {
      resourceVersion: '0',
      allowBookmarks: false,
    });
  }
  const created = await Promise.all(['a', 'b', 'c'].map((name) => rs.create('default', { metadata: { name }, data: { k: name } })));
  await rs.update('default', 'a', { ...created[0], data: { k: 'changed' } });
  await nextTurn();

  for (const res of watchers) {
    const lines = res.lines();
    assert.deepEqual(
      lines.map((l) => `${l.type} ${l.object.metadata.name} ${l.object.data.k}`),
      ['ADDED a a', 'ADDED b b', 'ADDED c c', 'MODIFIED a changed'],
    );
    // Each line is exactly JSON.stringify({ type, object }).
    for (const line of res.chunks.join('').split('\n').filter(Boolean)) {
      const parsed = JSON.parse(line);
      assert.equal(line, JSON.stringify({ type: parsed.type, object: parsed.object }));
    }
    assert.ok(res.chunks.length < lines.length, `${res.chunks.length} writes for ${lines.length} events`);
    assert.equal(lines[3].object.metadata.resourceVersion, String(Number(created[0].metadata!.resourceVersion) + 3));
  }
  assert.equal(watchers[0].chunks.join(''), watchers[1].chunks.join(''));

  requests[0].emit('close');
  assert.ok(watchers[0].ended);
  await rs.create('default', { metadata: { name: 'd' } });
  await nextTurn();
  assert.equal(watchers[0].lines().length, 4, 'a closed watch gets nothing more');
  assert.equal(watchers[1].lines().length, 5);
  requests[1].emit('close');
});

test('sendInitialEvents: ADDED for the current state, the initial-events-end bookmark at its revision, then the changes', async () => {
  const rs = new ResourceStore(configMapResource, new MemoryStore());
  const a = await rs.create('default', { metadata: { name: 'a' } });
  await rs.create('default', { metadata: { name: 'b' } });
  const snapshot = String(await rs.currentRevision());
  for (const resourceVersion of ['', '0', a.metadata!.resourceVersion!]) {
    const req = new EventEmitter();
    const res = new RecordingResponse();
    await serveWatch(req as unknown as IncomingMessage, res as unknown as ServerResponse, rs, {
      resourceVersion,
      sendInitialEvents: true,
      allowBookmarks: true,
    });
    const lines = res.lines();
    assert.deepEqual(
      lines.map((l) => `${l.type} ${l.object.metadata.name ?? ''}`),
      ['ADDED a', 'ADDED b', 'BOOKMARK '],
      resourceVersion,
    );
    const bookmark = lines[2].object;
    assert.equal(bookmark.kind, 'ConfigMap');
    assert.equal(bookmark.apiVersion, 'v1');
    assert.equal(bookmark.metadata.resourceVersion, snapshot);
    assert.equal(bookmark.metadata.annotations['k8s.io/initial-events-end'], 'true');
    assert.deepEqual(
      JSON.parse(Buffer.from(bookmark.metadata.annotations['kubernetes.io/initial-events-list-blueprint'], 'base64').toString()),
      {
        kind: 'ConfigMapList',
        apiVersion: 'v1',
        metadata: {},
        items: null,
      },
    );
    req.emit('close');
  }

  // The changes after the snapshot follow the bookmark.
  const req = new EventEmitter();
  const res = new RecordingResponse();
  await serveWatch(req as unknown as IncomingMessage, res as unknown as ServerResponse, rs, {
    resourceVersion: '',
    sendInitialEvents: true,
    allowBookmarks: true,
  });
  await rs.create('default', { metadata: { name: 'c' } });
  await nextTurn();
  assert.deepEqual(
    res.lines().map((l) => l.type),
    ['ADDED', 'ADDED', 'BOOKMARK', 'ADDED'],
  );
  req.emit('close');

  // Without allowWatchBookmarks, the initial events only; sendInitialEvents=false: no initial state.
  for (const [sendInitialEvents, allowBookmarks, expected] of [
    [true, false, ['ADDED a', 'ADDED b', 'ADDED c']],
    [false, true, []],
  ] as const) {
    const r = new EventEmitter();
    const out = new RecordingResponse();
    await serveWatch(r as unknown as IncomingMessage, out as unknown as ServerResponse, rs, {
      resourceVersion: '',
      sendInitialEvents,
      allowBookmarks,
    });
    assert.deepEqual(
      out.lines().map((l) => `${l.type} ${l.object.metadata.name}`),
      expected,
    );
    r.emit('close');
  }
});

test('sendInitialEvents with a resourceVersion the store has not reached: 504 Too large resource version after the wait', async () => {
  const rs = new ResourceStore(configMapResource, new MemoryStore());
  rs.freshnessWaitMs = 30;
  await rs.create('default', { metadata: { name: 'a' } });
  const current = await rs.currentRevision();
  await assert.rejects(
    serveWatch(new EventEmitter() as unknown as IncomingMessage, new RecordingResponse() as unknown as ServerResponse, rs, {
      resourceVersion: String(current + 100),
      sendInitialEvents: true,
      allowBookmarks: true,
    }),
    (err: any) =>
      err.code === 504 &&
      err.message === `Timeout: Too large resource version: ${current + 100}, current: ${current}` &&
      err.details.retryAfterSeconds === 1,
  );
});

test('allowWatchBookmarks with timeoutSeconds: a BOOKMARK 2 s before the timeout closes the watch, none for a 2 s watch', async () => {
  const rs = new ResourceStore(configMapResource, new MemoryStore());
  const from = String(await rs.currentRevision());
  const watchFor = async (timeoutSeconds: number) => {
    const req = new EventEmitter();
    const res = new RecordingResponse();
    await serveWatch(req as unknown as IncomingMessage, res as unknown as ServerResponse, rs, {
      resourceVersion: from,
      timeoutSeconds,
      allowBookmarks: true,
    });
    return res;
  };
  const started = Date.now();
  const [res, short] = await Promise.all([watchFor(3), watchFor(2)]);
  const created = await rs.create('default', { metadata: { name: 'a' } });
  await new Promise((resolve) => setTimeout(resolve, 1500));
  assert.equal(res.ended, false);
  assert.deepEqual(
    res.lines().map((l) => `${l.type} ${l.object.metadata.resourceVersion}`),
    ['ADDED ' + created.metadata!.resourceVersion, 'BOOKMARK ' + created.metadata!.resourceVersion],
  );
  while (!res.ended) await new Promise((resolve) => setTimeout(resolve, 50));
  assert.ok(Date.now() - started >= 2900);
  assert.equal(res.lines().length, 2);
  assert.equal(short.ended, true);
  assert.deepEqual(
    short.lines().map((l) => l.type),
    ['ADDED'],
  );
});
