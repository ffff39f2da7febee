import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';
import pino from 'pino';
import type { KubeObject } from '../../api/resource-type.ts';
import type { RestClient } from '../../client/rest-client.ts';
import type { EventRecorder } from '../../controllers/framework/event-recorder.ts';
import { BACKOFF_RESYNC_MS, backoffResyncMs, CrashBackoff, defaultBackoffSettings } from './crash-backoff.ts';
import { PodSyncer } from './pod-sync.ts';
import { newPodWorkerState, PodWorkers } from './pod-workers.ts';
import type { PodStatusWriter } from './status-writer.ts';
import { FakeRuntime } from './testing/fake-runtime.ts';
import { FakeHooks, FakeProber, FakeVolumes } from './testing/fakes.ts';

let dataDir: string;
beforeEach(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'hale-pod-sync-test-'));
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

interface Recorded {
  type: string;
  reason: string;
  message: string;
  fieldPath?: string;
}

function syncerWith(runtime: FakeRuntime, events: Recorded[]): PodSyncer {
  const recorder = {
    normal: (_obj: KubeObject, reason: string, message: string, fieldPath?: string) =>
      events.push({ type: 'Normal', reason, message, fieldPath }),
    warning: (_obj: KubeObject, reason: string, message: string, fieldPath?: string) =>
      events.push({ type: 'Warning', reason, message, fieldPath }),
  } as unknown as EventRecorder;
  const statusWriter = { set() {}, forget() {}, async flush() {}, latest: () => undefined } as unknown as PodStatusWriter;
  return new PodSyncer({
    client: {} as RestClient,
    nodeName: 'node-0',
    runtime,
    prober: new FakeProber(),
    volumes: new FakeVolumes(path.join(dataDir, 'volumes')),
    hooks: new FakeHooks().run,
    recorder,
    statusWriter,
    backoff: new CrashBackoff(),
    backoffDefaults: defaultBackoffSettings,
    resolveEnv: async () => [],
    expandArgs: (argv) => argv,
    dataDir,
    logger: pino({ level: 'silent' }),
    requireCommand: true,
    wake: () => undefined,
    nodeInfo: async () => ({ hostIP: '10.0.0.1' }),
    retryMs: 2000,
    resyncMs: 60_000,
    volumeRefreshMs: 60_000,
  });
}

const pod: KubeObject = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'crash', namespace: 'ns', uid: 'u-1', annotations: { 'hale.dev/restart-backoff': 'initial=1m,max=1m' } },
  spec: { nodeName: 'node-0', containers: [{ name: 'app', image: 'img', command: ['false'] }] },
  status: { phase: 'Running' },
};

test('backoffResyncMs is wait.Jitter(10s, 0.5)', () => {
  assert.equal(
    backoffResyncMs(() => 0),
    BACKOFF_RESYNC_MS,
  );
  assert.equal(
    backoffResyncMs(() => 0.5),
    12_500,
  );
  for (let i = 0; i < 100; i++) {
    const ms = backoffResyncMs();
    assert.ok(ms >= 10_000 && ms < 15_000, String(ms));
  }
});

test('a container in CrashLoopBackOff: BackOff on every sync, the next one 10–15 s later, as the kubelet', async () => {
  const runtime = new FakeRuntime();
  const events: Recorded[] = [];
  const syncer = syncerWith(runtime, events);
  const w = newPodWorkerState(pod);
  const backOffs = () => events.filter((e) => e.reason === 'BackOff');

  // Healthy: started, then the normal resync; no back-off, no wake-up replaced.
  assert.equal(await syncer.sync(w), 60_000);
  assert.ok(!w.replaceWake);
  // First crash: restarted at once.
  runtime.exit(runtime.running('app')!.status.id, 1);
  assert.equal(await syncer.sync(w), 60_000);
  assert.ok(runtime.running('app'));
  assert.equal(backOffs().length, 0);

  // Second crash: a one-minute back-off. Each sync during it records BackOff and asks for the
  // next one after the kubelet's error requeue, replacing any wake-up planned before.
  runtime.exit(runtime.running('app')!.status.id, 1);
  for (let i = 1; i <= 3; i++) {
    const next = await syncer.sync(w);
    assert.ok(next !== undefined && next >= 10_000 && next < 15_000, `sync ${i}: next in ${next} ms`);
    assert.equal(w.replaceWake, true);
    w.replaceWake = false; // what PodWorkers does after each sync
    assert.equal(backOffs().length, i);
  }
  assert.equal(runtime.running('app'), undefined);
  assert.deepEqual(backOffs().at(-1), {
    type: 'Warning',
    reason: 'BackOff',
    message: 'Back-off restarting failed container app in pod crash_ns(u-1)',
    fieldPath: 'spec.containers{app}',
  });
  assert.equal(w.waiting.get('app')?.reason, 'CrashLoopBackOff');
});

async function syncTimes(second: { next: number; replace: boolean }): Promise<number[]> {
  const syncs: number[] = [];
  const results = [{ next: 100, replace: false }, second];
  const workers = new PodWorkers(async (state) => {
    syncs.push(Date.now());
    const r = results.shift() ?? { next: 100_000, replace: false };
    if (r.replace) state.replaceWake = true;
    return r.next;
  });
  workers.update({ metadata: { uid: 'u-2', name: 'p', namespace: 'ns' } });
  await workers.idle();
  workers.wake('u-2');
  await workers.idle();
  assert.ok(!workers.get('u-2')?.replaceWake);
  await new Promise((resolve) => setTimeout(resolve, 600));
  await workers.stop();
  return syncs.map((t) => t - syncs[0]);
}

test('a back-off sync replaces the wake-up planned before it; other syncs keep the earliest', async () => {
  // Planned: 100 ms. A sync that wants 400 ms leaves it; one backing off replaces it.
  const kept = await syncTimes({ next: 400, replace: false });
  assert.equal(kept.length, 3);
  assert.ok(kept[2] >= 90 && kept[2] < 350, `third sync after ${kept[2]} ms`);
  const replaced = await syncTimes({ next: 400, replace: true });
  assert.equal(replaced.length, 3);
  assert.ok(replaced[2] >= 390, `third sync after ${replaced[2]} ms`);
});
