// The official JavaScript client (@kubernetes/client-node) against a real `hale server`:
// typed CoreV1/AppsV1 calls, a raw Watch, an informer (list + watch) with its cache, and Exec
// and PortForward against a pod.
import assert from 'node:assert/strict';
import net from 'node:net';
import { PassThrough } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { eventually, type HaleServer, startHale, stopHale } from './harness.ts';

const namespace = 'client-node';

describe('@kubernetes/client-node', () => {
  let hale: HaleServer;
  let kc: k8s.KubeConfig;
  let core: k8s.CoreV1Api;
  let apps: k8s.AppsV1Api;

  before(async () => {
    hale = await startHale();
    kc = new k8s.KubeConfig();
    kc.loadFromFile(hale.kubeconfig);
    core = kc.makeApiClient(k8s.CoreV1Api);
    apps = kc.makeApiClient(k8s.AppsV1Api);
    await core.createNamespace({ body: { metadata: { name: namespace } } });
  });
  after(async () => {
    await stopHale(hale);
  });

  test('the kubeconfig written by the server loads with its CA and token', () => {
    const cluster = kc.getCurrentCluster();
    assert.equal(cluster?.server, hale.url);
    assert.ok(cluster?.caData, 'the cluster carries certificate-authority-data');
    assert.equal(kc.getCurrentUser()?.token, hale.token);
  });

  test('CoreV1Api lists namespaces', async () => {
    const list = await core.listNamespace();
    const names = list.items.map((ns) => ns.metadata?.name);
    for (const name of ['default', 'kube-system', namespace]) assert.ok(names.includes(name), `${name} missing from ${names}`);
    assert.ok(list.metadata?.resourceVersion, 'a list carries its resourceVersion');
    const ns = list.items.find((n) => n.metadata?.name === namespace)!;
    assert.equal(ns.status?.phase, 'Active');
  });

  test('CoreV1Api creates, reads and lists configmaps', async () => {
    const created = await core.createNamespacedConfigMap({
      namespace,
      body: { metadata: { name: 'settings', labels: { app: 'demo' } }, data: { mode: 'blue' } },
    });
    assert.equal(created.metadata?.namespace, namespace);
    assert.ok(created.metadata?.uid);
    assert.ok(created.metadata?.creationTimestamp instanceof Date, 'timestamps deserialize to Date');

    const read = await core.readNamespacedConfigMap({ name: 'settings', namespace });
    assert.deepEqual(read.data, { mode: 'blue' });
    assert.equal(read.metadata?.resourceVersion, created.metadata?.resourceVersion);

    await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'other' }, data: { x: '1' } } });
    const selected = await core.listNamespacedConfigMap({ namespace, labelSelector: 'app=demo' });
    assert.deepEqual(
      selected.items.map((c) => c.metadata?.name),
      ['settings'],
    );
    const all = await core.listNamespacedConfigMap({ namespace });
    assert.ok(all.items.some((c) => c.metadata?.name === 'other'));
  });

  test('errors arrive as ApiException carrying the Kubernetes Status', async () => {
    await assert.rejects(core.readNamespacedConfigMap({ name: 'missing', namespace }), (err: unknown) => {
      assert.ok(err instanceof k8s.ApiException, `expected ApiException, got ${err}`);
      assert.equal(err.code, 404);
      const status = typeof err.body === 'string' ? JSON.parse(err.body) : err.body;
      assert.equal(status.reason, 'NotFound');
      assert.equal(status.message, 'configmaps "missing" not found');
      return true;
    });
    await assert.rejects(
      core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'settings' } } }),
      (err: unknown) => err instanceof k8s.ApiException && err.code === 409,
    );
  });

  test('AppsV1Api creates and reads a Deployment with server defaults', async () => {
    const body: k8s.V1Deployment = {
      metadata: { name: 'web', labels: { app: 'web' } },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: { containers: [{ name: 'web', image: 'registry.local/web:1.0', ports: [{ containerPort: 8080 }] }] },
        },
      },
    };
    const created = await apps.createNamespacedDeployment({ namespace, body });
    assert.equal(created.kind, 'Deployment');
    assert.equal(created.metadata?.generation, 1);
    const read = await apps.readNamespacedDeployment({ name: 'web', namespace });
    assert.equal(read.spec?.replicas, 2);
    assert.equal(read.spec?.strategy?.type, 'RollingUpdate');
    assert.equal(read.spec?.revisionHistoryLimit, 10);
    const container = read.spec?.template.spec?.containers[0];
    assert.equal(container?.image, 'registry.local/web:1.0');
    assert.equal(container?.ports?.[0].protocol, 'TCP');
    assert.equal(read.spec?.template.spec?.restartPolicy, 'Always');
  });

  test('a completed delete answers with a Success Status, a pending one with the object', async () => {
    const cm = await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'doomed' } } });
    const status = await core.deleteNamespacedConfigMap({ name: 'doomed', namespace });
    assert.equal(status.kind, 'Status');
    assert.equal(status.status, 'Success');
    assert.deepEqual({ ...status.details }, { name: 'doomed', kind: 'configmaps', uid: cm.metadata?.uid });

    const dep = await apps.createNamespacedDeployment({
      namespace,
      body: {
        metadata: { name: 'doomed', finalizers: ['example.com/hold'] },
        spec: {
          selector: { matchLabels: { app: 'doomed' } },
          template: { metadata: { labels: { app: 'doomed' } }, spec: { containers: [{ name: 'c', image: 'registry.local/c:1' }] } },
        },
      },
    });
    // A finalizer holds the Deployment: the answer is the object, marked for deletion (the
    // client types it as V1Status, as the OpenAPI says, so read it raw).
    const pending = (await apps.deleteNamespacedDeployment({ name: 'doomed', namespace, propagationPolicy: 'Foreground' })) as unknown as {
      kind?: string;
    };
    assert.equal(pending.kind, 'Deployment');
    const held = await apps.readNamespacedDeployment({ name: 'doomed', namespace });
    assert.ok(held.metadata?.deletionTimestamp instanceof Date);
    assert.deepEqual(held.metadata?.finalizers?.sort(), ['example.com/hold', 'foregroundDeletion']);
    await apps.patchNamespacedDeployment(
      { name: 'doomed', namespace, body: [{ op: 'remove', path: '/metadata/finalizers' }] },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.JsonPatch),
    );
    await eventually(
      async () =>
        apps.readNamespacedDeployment({ name: 'doomed', namespace }).then(
          () => undefined,
          () => true,
        ),
      10_000,
    );
    assert.ok(dep.metadata?.uid);
  });

  test('Watch streams ADDED, MODIFIED and DELETED for configmaps', async () => {
    const events: { type: string; name: string; value?: string }[] = [];
    let ended: unknown = 'open';
    const watch = new k8s.Watch(kc);
    const start = await core.listNamespacedConfigMap({ namespace });
    const controller = await watch.watch(
      `/api/v1/namespaces/${namespace}/configmaps`,
      { resourceVersion: start.metadata?.resourceVersion, allowWatchBookmarks: false },
      (type, obj: k8s.V1ConfigMap) => events.push({ type, name: obj.metadata?.name ?? '', value: obj.data?.v }),
      (err) => {
        ended = err;
      },
    );
    try {
      await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'watched' }, data: { v: '1' } } });
      await core.patchNamespacedConfigMap(
        { name: 'watched', namespace, body: { data: { v: '2' } } },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
      );
      await core.deleteNamespacedConfigMap({ name: 'watched', namespace });
      await eventually(async () => events.some((e) => e.type === 'DELETED'), 10_000, 20);
      assert.deepEqual(
        events.filter((e) => e.name === 'watched'),
        [
          { type: 'ADDED', name: 'watched', value: '1' },
          { type: 'MODIFIED', name: 'watched', value: '2' },
          { type: 'DELETED', name: 'watched', value: '2' },
        ],
      );
      assert.equal(ended, 'open', 'the watch stayed open');
    } finally {
      controller.abort();
    }
  });

  test('an informer lists, then sees creates, updates and deletes through its watch', async () => {
    const path = `/api/v1/namespaces/${namespace}/configmaps`;
    const informer = k8s.makeInformer<k8s.V1ConfigMap>(kc, path, () => core.listNamespacedConfigMap({ namespace }));
    const added: string[] = [];
    const updated: string[] = [];
    const deleted: string[] = [];
    const errors: unknown[] = [];
    informer.on(k8s.ADD, (cm) => added.push(cm.metadata!.name!));
    informer.on(k8s.UPDATE, (cm) => updated.push(`${cm.metadata!.name}=${cm.data?.v}`));
    informer.on(k8s.DELETE, (cm) => deleted.push(cm.metadata!.name!));
    informer.on(k8s.ERROR, (err) => errors.push(err));
    await informer.start();
    try {
      // The initial list fills the cache.
      assert.ok(informer.get('settings', namespace), 'the cache holds objects from the initial list');
      assert.ok(added.includes('settings'));

      await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'late' }, data: { v: '1' } } });
      const seen = await eventually(async () => informer.get('late', namespace), 10_000, 20);
      assert.equal(seen.data?.v, '1');
      assert.ok(added.includes('late'));
      assert.ok(
        informer.list(namespace).some((c) => c.metadata?.name === 'late'),
        'list() serves the new object',
      );

      await core.replaceNamespacedConfigMap({
        name: 'late',
        namespace,
        body: { ...seen, data: { v: '2' } },
      });
      await eventually(async () => informer.get('late', namespace)?.data?.v === '2', 10_000, 20);
      assert.ok(updated.includes('late=2'));

      await core.deleteNamespacedConfigMap({ name: 'late', namespace });
      await eventually(async () => deleted.includes('late'), 10_000, 20);
      assert.equal(informer.get('late', namespace), undefined, 'the deleted object left the cache');
      assert.deepEqual(errors, []);
    } finally {
      await informer.stop();
    }
  });
});

// Pod streams through the client's WebSocket classes, against a server with its node agent.
describe('@kubernetes/client-node pod streams', () => {
  let hale: HaleServer;
  let kc: k8s.KubeConfig;
  let core: k8s.CoreV1Api;
  const marker = `client-node-streams-${process.pid}`;
  const server = `require('http').createServer((q, s) => s.end('pong ' + q.url)).listen(18931, () => console.log('ready'))`;

  before(async () => {
    hale = await startHale({ withAgent: true });
    kc = new k8s.KubeConfig();
    kc.loadFromFile(hale.kubeconfig);
    core = kc.makeApiClient(k8s.CoreV1Api);
    await core.createNamespacedPod({
      namespace: 'default',
      body: {
        metadata: { name: 'streams' },
        spec: {
          terminationGracePeriodSeconds: 1,
          containers: [
            {
              name: 'app',
              image: 'hale.local/node',
              command: ['sh', '-c', `exec ${process.execPath} -e "${server}" # ${marker}`],
              ports: [{ containerPort: 18931 }],
            },
          ],
        },
      },
    });
    await eventually(async () => {
      const pod = await core.readNamespacedPod({ name: 'streams', namespace: 'default' });
      return pod.status?.containerStatuses?.[0]?.ready || pod.status?.phase === 'Running' ? pod : undefined;
    }, 30_000);
    await eventually(async () => (await core.readNamespacedPodLog({ name: 'streams', namespace: 'default' })).includes('ready'), 20_000);
  });
  after(async () => {
    await core?.deleteNamespacedPod({ name: 'streams', namespace: 'default', gracePeriodSeconds: 0 }).catch(() => {});
    await stopHale(hale);
  });

  test('Exec reports stdout, stderr and the exit status', async () => {
    let stdout = '';
    let stderr = '';
    const out = new PassThrough().on('data', (d) => (stdout += d));
    const err = new PassThrough().on('data', (d) => (stderr += d));
    const status = await new Promise<k8s.V1Status>((resolve) => {
      void new k8s.Exec(kc).exec(
        'default',
        'streams',
        'app',
        ['sh', '-c', 'echo hi; echo oops >&2; exit 3'],
        out,
        err,
        null,
        false,
        resolve,
      );
    });
    assert.equal(stdout, 'hi\n');
    assert.equal(stderr, 'oops\n');
    assert.equal(status.status, 'Failure');
    assert.equal(status.reason, 'NonZeroExitCode');
    assert.equal(status.details?.causes?.[0]?.message, '3');
  });

  test('PortForward carries a connection to the pod port over the channel protocol', async () => {
    const forward = new k8s.PortForward(kc);
    const local = net.createServer((socket) => {
      void forward.portForward('default', 'streams', [18931], socket, null, socket);
    });
    await new Promise<void>((resolve) => local.listen(0, '127.0.0.1', resolve));
    try {
      const port = (local.address() as net.AddressInfo).port;
      for (const path of ['/one', '/two']) {
        const res = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(10_000) });
        assert.equal(await res.text(), `pong ${path}`);
      }
    } finally {
      local.close();
    }
  });
});
