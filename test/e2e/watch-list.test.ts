// WatchList (sendInitialEvents) through the real kubectl 1.33 with KUBE_FEATURE_WatchListClient=true:
// its reflectors wait for the initial-events-end bookmark before they consider themselves synced,
// so `kubectl wait` only works when the server sends it (before, it hung until --timeout).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { eventually, expectKubectl, type HaleServer, kubectlPath, startHale, stopHale } from './harness.ts';

const watchList = { KUBE_FEATURE_WatchListClient: 'true' };

describe('WatchList with kubectl 1.33 (KUBE_FEATURE_WatchListClient=true)', () => {
  let hale: HaleServer;
  const k = (args: string[], opts: { env?: Record<string, string>; timeoutMs?: number; expectFail?: boolean } = {}) =>
    expectKubectl(hale, '1.33', ['-n', 'wl', ...args], { env: watchList, ...opts });

  before(async () => {
    hale = await startHale();
    await expectKubectl(hale, '1.33', ['create', 'namespace', 'wl']);
  });
  after(() => stopHale(hale));

  test('a sendInitialEvents watch ends its initial ADDED events with the initial-events-end bookmark', async () => {
    await k(['create', 'configmap', 'first']);
    const r = await k([
      'get',
      '--raw',
      '/api/v1/namespaces/wl/configmaps?watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true&timeoutSeconds=1',
    ]);
    const events = r.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l));
    assert.deepEqual(
      events.map((e) => `${e.type} ${e.object.metadata.name ?? ''}`),
      ['ADDED first', 'ADDED kube-root-ca.crt', 'BOOKMARK '],
    );
    assert.equal(events[2].object.metadata.annotations['k8s.io/initial-events-end'], 'true');
    assert.ok(Number(events[2].object.metadata.resourceVersion) >= Number(events[0].object.metadata.resourceVersion));

    const refused = await k(['get', '--raw', '/api/v1/namespaces/wl/configmaps?watch=1&resourceVersionMatch=NotOlderThan'], {
      expectFail: true,
    });
    assert.match(refused.stderr, /resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided/);
  });

  test('kubectl wait --for=condition=Ready: met when the pod already is, and when it becomes Ready later', async () => {
    await k(['run', 'lo', '--image=registry.invalid/none', '--restart=Never']);
    const waiting = k(['wait', '--for=condition=Ready', 'pod/lo', '--timeout=20s'], { timeoutMs: 30_000 });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    await k([
      'patch',
      'pod',
      'lo',
      '--subresource=status',
      '--type=merge',
      '-p',
      JSON.stringify({ status: { conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: now }] } }),
    ]);
    const started = Date.now();
    const r = await waiting;
    assert.match(r.stdout, /pod\/lo condition met/);

    const again = Date.now();
    const met = await k(['wait', '--for=condition=Ready', 'pod/lo', '--timeout=15s']);
    assert.match(met.stdout, /pod\/lo condition met/);
    assert.ok(Date.now() - again < 10_000, `took ${Date.now() - again} ms`);
    assert.ok(Date.now() - started < 20_000);
  });

  test('kubectl get pods -w prints pods created while it watches', async () => {
    const child = spawn(
      kubectlPath('1.33'),
      ['--kubeconfig', hale.kubeconfig, '-n', 'wl', 'get', 'pods', '-w', '--cache-dir', `${hale.dataDir}/wl-cache`],
      {
        env: { ...process.env, HOME: hale.dataDir, KUBECONFIG: '', ...watchList },
      },
    );
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    try {
      await eventually(async () => /^lo\s/m.test(out));
      await k(['run', 'later', '--image=registry.invalid/none', '--restart=Never']);
      await eventually(async () => /^later\s/m.test(out));
    } finally {
      child.kill();
    }
  });
});
