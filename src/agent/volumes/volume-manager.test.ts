import assert from 'node:assert/strict';
import { lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { KubeObject } from '../../api/resource-type.ts';
import { resources } from '../../client/resources.ts';
import { RestClient } from '../../client/rest-client.ts';
import { type InProcessCluster, startInProcessCluster } from '../../testing/in-process-cluster.ts';
import { ConfigObjects } from './config-objects.ts';
import { isMountPoint } from './tmpfs.ts';
import { VolumeError, VolumeErrors } from './types.ts';
import { NodeVolumeManager } from './volume-manager.ts';

let cluster: InProcessCluster;
let root: string;
let manager: NodeVolumeManager;
const ns = 'voltest';
const b64 = (s: string) => Buffer.from(s).toString('base64');
let uidCounter = 0;

type TestPod = KubeObject & { metadata: Record<string, any> };

before(async () => {
  cluster = await startInProcessCluster();
  root = await mkdtemp(path.join(os.tmpdir(), 'hale-volumes-'));
  await cluster.createNamespace(ns);
  const { client } = cluster;
  await client.create(resources.configMaps, ns, {
    metadata: { name: 'web-config' },
    data: { 'app.conf': 'port=8080\n', 'feature.flags': 'a,b' },
    binaryData: { 'logo.bin': Buffer.from([0, 1, 2, 255]).toString('base64') },
  });
  await client.create(resources.secrets, ns, { metadata: { name: 'tls' }, data: { 'tls.crt': b64('CERT'), 'tls.key': b64('KEY') } });
  await client.create(resources.nodes, undefined, {
    metadata: { name: 'node-v' },
    status: { allocatable: { cpu: '2', memory: '4Gi' }, capacity: { cpu: '2', memory: '4Gi' } },
  });
  // Reads without a cache, so that updated objects show at once.
  manager = new NodeVolumeManager({
    client,
    dataDir: path.join(root, 'data'),
    nodeName: 'node-v',
    objects: new ConfigObjects(client, { ttlMs: 0 }),
  });
});

after(async () => {
  await cluster?.stop();
  await rm(root, { recursive: true, force: true });
});

function podWith(volumes: KubeObject[], extra: { labels?: Record<string, string>; containers?: KubeObject[] } = {}): TestPod {
  uidCounter++;
  return {
    metadata: {
      name: `pod-${uidCounter}`,
      namespace: ns,
      uid: `uid-${uidCounter}`,
      labels: extra.labels ?? { app: 'web' },
      annotations: { team: 'core' },
    },
    spec: { nodeName: 'node-v', containers: extra.containers ?? [{ name: 'app', resources: { limits: { memory: '64Mi' } } }], volumes },
  };
}

async function setUpOne(volume: KubeObject, extra?: Parameters<typeof podWith>[1]) {
  const pod = podWith([volume], extra);
  const paths = await manager.setUp(pod);
  return { pod, dir: paths.get(volume.name)! };
}

const modeOf = async (p: string) => (await stat(p)).mode & 0o777;
const read = (p: string) => readFile(p, 'utf8');

async function volumeErrorOf(promise: Promise<unknown>): Promise<VolumeError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof VolumeError, String(err));
    return err;
  }
  assert.fail('expected a VolumeError');
}

test('emptyDir: a world-writable directory under the pod, removed on tearDown', async () => {
  const { pod, dir } = await setUpOne({ name: 'scratch', emptyDir: {} });
  assert.equal(dir, path.join(root, 'data', 'pods', pod.metadata.uid, 'volumes', 'kubernetes.io~empty-dir', 'scratch'));
  assert.ok((await stat(dir)).isDirectory());
  assert.equal(await modeOf(dir), 0o777);
  await writeFile(path.join(dir, 'keep'), 'x');
  assert.deepEqual(await manager.setUp(pod), new Map([['scratch', dir]])); // idempotent, content kept
  assert.equal(await read(path.join(dir, 'keep')), 'x');
  await manager.tearDown(pod.metadata.uid);
  await assert.rejects(stat(path.join(root, 'data', 'pods', pod.metadata.uid)), { code: 'ENOENT' });
});

test('emptyDir medium Memory: a tmpfs when allowed, unmounted on tearDown; a plain dir otherwise', async (t) => {
  const plain = new NodeVolumeManager({ client: cluster.client, dataDir: path.join(root, 'plain'), tmpfs: false });
  const pod = podWith([{ name: 'shm', emptyDir: { medium: 'Memory', sizeLimit: '1Mi' } }]);
  const dir = (await plain.setUp(pod)).get('shm')!;
  assert.equal(await isMountPoint(dir), false);
  await plain.tearDown(pod.metadata.uid);

  if (process.getuid?.() !== 0) {
    t.skip('tmpfs needs root');
    return;
  }
  const memPod = podWith([{ name: 'shm', emptyDir: { medium: 'Memory', sizeLimit: '1Mi' } }]);
  const memDir = (await manager.setUp(memPod)).get('shm')!;
  if (!(await isMountPoint(memDir))) {
    t.skip('mounting tmpfs is not allowed here');
    await manager.tearDown(memPod.metadata.uid);
    return;
  }
  assert.equal(await modeOf(memDir), 0o777);
  // The size limit holds: 2 MiB do not fit in a 1 MiB tmpfs.
  await assert.rejects(writeFile(path.join(memDir, 'big'), Buffer.alloc(2 * 1024 * 1024)), { code: 'ENOSPC' });
  await manager.setUp(memPod); // still one mount, not two
  await manager.tearDown(memPod.metadata.uid);
  assert.equal(await isMountPoint(memDir), false);
  await assert.rejects(stat(memDir), { code: 'ENOENT' });
});

test('configMap: every key (data and binaryData) with defaultMode, in the ..data layout', async () => {
  const { dir } = await setUpOne({ name: 'config', configMap: { name: 'web-config', defaultMode: 0o640 } });
  assert.equal(dir.split(path.sep).slice(-2).join('/'), 'kubernetes.io~configmap/config');
  assert.equal(await read(path.join(dir, 'app.conf')), 'port=8080\n');
  assert.equal(await read(path.join(dir, 'feature.flags')), 'a,b');
  assert.deepEqual([...(await readFile(path.join(dir, 'logo.bin')))], [0, 1, 2, 255]);
  assert.equal(await modeOf(path.join(dir, 'app.conf')), 0o640);
  assert.equal(await readlink(path.join(dir, 'app.conf')), '..data/app.conf');
  assert.ok((await lstat(path.join(dir, '..data'))).isSymbolicLink());
});

test('configMap items choose keys, paths and modes; the default mode is 0644', async () => {
  const { dir } = await setUpOne({
    name: 'config',
    configMap: {
      name: 'web-config',
      items: [
        { key: 'app.conf', path: 'conf/app.conf' },
        { key: 'feature.flags', path: 'flags', mode: 0o600 },
      ],
    },
  });
  assert.deepEqual((await readdir(dir)).filter((n) => !n.startsWith('..')).sort(), ['conf', 'flags']);
  assert.equal(await read(path.join(dir, 'conf/app.conf')), 'port=8080\n');
  assert.equal(await modeOf(path.join(dir, 'conf/app.conf')), 0o644);
  assert.equal(await modeOf(path.join(dir, 'flags')), 0o600);
});

test('missing ConfigMaps, Secrets and keys fail with the kubelet messages; optional ones do not', async () => {
  let err = await volumeErrorOf(manager.setUp(podWith([{ name: 'cfg', configMap: { name: 'absent' } }])));
  assert.equal(err.volume, 'cfg');
  assert.equal(err.message, 'configmap "absent" not found');
  err = await volumeErrorOf(manager.setUp(podWith([{ name: 'sec', secret: { secretName: 'absent' } }])));
  assert.equal(err.message, 'secret "absent" not found');
  err = await volumeErrorOf(
    manager.setUp(podWith([{ name: 'cfg', configMap: { name: 'web-config', items: [{ key: 'nope', path: 'x' }] } }])),
  );
  assert.equal(err.message, 'configmap references non-existent config key: nope');
  err = await volumeErrorOf(manager.setUp(podWith([{ name: 'sec', secret: { secretName: 'tls', items: [{ key: 'nope', path: 'x' }] } }])));
  assert.equal(err.message, 'references non-existent secret key: nope');

  const { dir } = await setUpOne({ name: 'maybe', configMap: { name: 'absent', optional: true } });
  assert.deepEqual((await readdir(dir)).sort(), ['..data', await readlink(path.join(dir, '..data'))].sort());
  const { dir: itemsDir } = await setUpOne({
    name: 'maybe',
    secret: { secretName: 'tls', optional: true, items: [{ key: 'nope', path: 'x' }] },
  });
  assert.equal((await readdir(itemsDir)).filter((n) => !n.startsWith('..')).length, 0);
});

test('a failing volume does not stop the others, and a later setUp retries only it', async () => {
  const pod = podWith([
    { name: 'ok', emptyDir: {} },
    { name: 'later', configMap: { name: 'appears-later' } },
  ]);
  const err = await volumeErrorOf(manager.setUp(pod));
  assert.equal(err.volume, 'later');
  await cluster.client.create(resources.configMaps, ns, { metadata: { name: 'appears-later' }, data: { k: 'v' } });
  const paths = await manager.setUp(pod);
  assert.equal(await read(path.join(paths.get('later')!, 'k')), 'v');
  assert.ok(paths.get('ok'));
});

test('several failing volumes are all reported, each with its own error', async () => {
  const pod = podWith([
    { name: 'ok', emptyDir: {} },
    { name: 'cfg', configMap: { name: 'absent-a' } },
    { name: 'sec', secret: { secretName: 'absent-b' } },
  ]);
  const err = await manager.setUp(pod).then(
    () => assert.fail('expected the set-up to fail'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof VolumeErrors, String(err));
  assert.deepEqual(
    err.errors.map((e) => [e.volume, e.message]),
    [
      ['cfg', 'configmap "absent-a" not found'],
      ['sec', 'secret "absent-b" not found'],
    ],
  );
});

test('secret: decoded files with defaultMode', async () => {
  const { dir } = await setUpOne({ name: 'certs', secret: { secretName: 'tls', defaultMode: 0o400 } });
  assert.equal(dir.split(path.sep).slice(-2).join('/'), 'kubernetes.io~secret/certs');
  assert.equal(await read(path.join(dir, 'tls.crt')), 'CERT');
  assert.equal(await read(path.join(dir, 'tls.key')), 'KEY');
  assert.equal(await modeOf(path.join(dir, 'tls.key')), 0o400);
});

test('downwardAPI: metadata fields and resource limits (node allocatable when unset)', async () => {
  const { dir } = await setUpOne(
    {
      name: 'podinfo',
      downwardAPI: {
        items: [
          { path: 'name', fieldRef: { fieldPath: 'metadata.name' } },
          { path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } },
          { path: 'annotations', fieldRef: { fieldPath: 'metadata.annotations' } },
          { path: 'tier', fieldRef: { fieldPath: "metadata.labels['tier']" }, mode: 0o600 },
          { path: 'mem_limit', resourceFieldRef: { containerName: 'app', resource: 'limits.memory', divisor: '1Mi' } },
          { path: 'cpu_limit', resourceFieldRef: { containerName: 'app', resource: 'limits.cpu', divisor: '1m' } },
        ],
      },
    },
    { labels: { app: 'web', tier: 'front' } },
  );
  assert.equal(dir.split(path.sep).slice(-2).join('/'), 'kubernetes.io~downward-api/podinfo');
  assert.match(await read(path.join(dir, 'name')), /^pod-\d+$/);
  assert.equal(await read(path.join(dir, 'labels')), 'app="web"\ntier="front"');
  assert.equal(await read(path.join(dir, 'annotations')), 'team="core"');
  assert.equal(await read(path.join(dir, 'tier')), 'front');
  assert.equal(await modeOf(path.join(dir, 'tier')), 0o600);
  assert.equal(await modeOf(path.join(dir, 'name')), 0o644);
  assert.equal(await read(path.join(dir, 'mem_limit')), '64');
  assert.equal(await read(path.join(dir, 'cpu_limit')), '2000'); // no cpu limit: node-v's allocatable

  const err = await volumeErrorOf(
    manager.setUp(
      podWith([
        { name: 'bad', downwardAPI: { items: [{ path: 'x', resourceFieldRef: { containerName: 'ghost', resource: 'limits.cpu' } }] } },
      ]),
    ),
  );
  assert.equal(err.message, 'container ghost not found');
});

test('projected: configMap, secret, downwardAPI and a bound service account token in one directory', async () => {
  const { client } = cluster;
  await client.create(resources.serviceAccounts, ns, { metadata: { name: 'default' } });
  // The token is bound to the pod, so the pod must exist in the API.
  const pod = await client.create(resources.pods, ns, podWith([], { containers: [{ name: 'app', image: 'app' }] }));
  pod.spec.volumes = [
    {
      name: 'all',
      projected: {
        defaultMode: 0o440,
        sources: [
          { configMap: { name: 'web-config', items: [{ key: 'app.conf', path: 'app.conf' }] } },
          { secret: { name: 'tls', items: [{ key: 'tls.key', path: 'tls/key', mode: 0o400 }] } },
          { downwardAPI: { items: [{ path: 'ns', fieldRef: { fieldPath: 'metadata.namespace' } }] } },
          { serviceAccountToken: { path: 'token', expirationSeconds: 3600 } },
        ],
      },
    },
  ];
  const dir = (await manager.setUp(pod)).get('all')!;
  assert.equal(dir.split(path.sep).slice(-2).join('/'), 'kubernetes.io~projected/all');
  assert.equal(await read(path.join(dir, 'app.conf')), 'port=8080\n');
  assert.equal(await read(path.join(dir, 'tls/key')), 'KEY');
  assert.equal(await read(path.join(dir, 'ns')), ns);
  // The token authenticates as the pod's service account while the pod exists.
  const asPod = new RestClient({ server: cluster.url, token: await read(path.join(dir, 'token')) });
  assert.equal((await asPod.get(resources.serviceAccounts, ns, 'default')).metadata?.name, 'default');
  await client.delete(resources.pods, ns, pod.metadata?.name, { gracePeriodSeconds: 0 });
  await assert.rejects(asPod.get(resources.serviceAccounts, ns, 'default'), (err: any) => err.code === 401);
  asPod.close();
  assert.equal(await modeOf(path.join(dir, 'app.conf')), 0o440);
  assert.equal(await modeOf(path.join(dir, 'tls/key')), 0o400);

  const err = await volumeErrorOf(
    manager.setUp(podWith([{ name: 'two', projected: { sources: [{ configMap: { name: 'gone-1' } }, { secret: { name: 'gone-2' } }] } }])),
  );
  assert.equal(err.message, '[configmap "gone-1" not found, secret "gone-2" not found]');
});

test('hostPath: the node path itself, checked by type, left alone on tearDown', async () => {
  const hostDir = path.join(root, 'host', 'logs');
  const { pod, dir } = await setUpOne({ name: 'logs', hostPath: { path: hostDir, type: 'DirectoryOrCreate' } });
  assert.equal(dir, hostDir);
  assert.ok((await stat(hostDir)).isDirectory());
  await manager.tearDown(pod.metadata.uid);
  assert.ok((await stat(hostDir)).isDirectory());

  const missing = path.join(root, 'host', 'missing');
  const err = await volumeErrorOf(manager.setUp(podWith([{ name: 'x', hostPath: { path: missing, type: 'Directory' } }])));
  assert.equal(err.volume, 'x');
  assert.equal(err.message, `hostPath type check failed: ${missing} is not a directory`);
});

test('persistentVolumeClaim: resolved through a bound PV with a hostPath', async () => {
  const { client } = cluster;
  let err = await volumeErrorOf(manager.setUp(podWith([{ name: 'data', persistentVolumeClaim: { claimName: 'nope' } }])));
  assert.equal(err.message, 'persistentvolumeclaim "nope" not found');

  const pvPath = path.join(root, 'pv-1');
  await mkdir(pvPath);
  await client.create(resources.persistentVolumes, undefined, {
    metadata: { name: 'pv-1' },
    spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: pvPath } },
  });
  const pvc = await client.create(resources.persistentVolumeClaims, ns, {
    metadata: { name: 'data' },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
  });
  err = await volumeErrorOf(manager.setUp(podWith([{ name: 'data', persistentVolumeClaim: { claimName: 'data' } }])));
  assert.match(err.message, /^PVC voltest\/data has non-bound phase \("[A-Za-z]*"\) or empty pvc.Spec.VolumeName \(""\)$/);

  const bound = await client.update(resources.persistentVolumeClaims, { ...pvc, spec: { ...pvc.spec, volumeName: 'pv-1' } });
  await client.updateStatus(resources.persistentVolumeClaims, { ...bound, status: { phase: 'Bound' } });
  const { dir } = await setUpOne({ name: 'data', persistentVolumeClaim: { claimName: 'data' } });
  assert.equal(dir, pvPath);
});

test('unsupported volume types are reported, not ignored', async () => {
  const err = await volumeErrorOf(manager.setUp(podWith([{ name: 'net', nfs: { server: 'x', path: '/' } }])));
  assert.equal(err.volume, 'net');
  assert.match(err.message, /"nfs" are not supported/);
});

test('refresh updates configuration volumes in place through the ..data swap', async () => {
  const { client } = cluster;
  const cm = await client.create(resources.configMaps, ns, { metadata: { name: 'live' }, data: { a: '1', b: '2' } });
  const pod = podWith(
    [
      { name: 'live', configMap: { name: 'live' } },
      { name: 'info', downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }] } },
    ],
    { labels: { v: '1' } },
  );
  const paths = await manager.setUp(pod);
  const dir = paths.get('live')!;
  const before = await readlink(path.join(dir, '..data'));

  await manager.refresh(pod); // nothing changed: the same version stays
  assert.equal(await readlink(path.join(dir, '..data')), before);

  await client.update(resources.configMaps, { ...cm, data: { a: '10', c: '3' } });
  const relabelled = { ...pod, metadata: { ...pod.metadata, labels: { v: '2' } } };
  await manager.refresh(relabelled);
  assert.notEqual(await readlink(path.join(dir, '..data')), before);
  assert.equal(await read(path.join(dir, 'a')), '10');
  assert.equal(await read(path.join(dir, 'c')), '3');
  await assert.rejects(lstat(path.join(dir, 'b')), { code: 'ENOENT' });
  assert.equal(await read(path.join(paths.get('info')!, 'labels')), 'v="2"');

  // A deleted ConfigMap keeps the last contents and reports the error.
  await client.delete(resources.configMaps, ns, 'live');
  const err = await volumeErrorOf(manager.refresh(relabelled));
  assert.equal(err.message, 'configmap "live" not found');
  assert.equal(await read(path.join(dir, 'a')), '10');
});

test('refresh does not re-read immutable ConfigMaps and Secrets, as the kubelet stops watching them', async () => {
  const { client } = cluster;
  await client.create(resources.configMaps, ns, { metadata: { name: 'frozen' }, data: { k: 'old' }, immutable: true });
  await client.create(resources.secrets, ns, { metadata: { name: 'frozen-s' }, data: { k: b64('old') }, immutable: true });
  await client.create(resources.configMaps, ns, { metadata: { name: 'thawed' }, data: { k: 'old' } });
  const pod = podWith([
    { name: 'cm', configMap: { name: 'frozen' } },
    { name: 'sec', secret: { secretName: 'frozen-s' } },
    {
      name: 'mix',
      projected: { sources: [{ configMap: { name: 'frozen' } }, { configMap: { name: 'thawed', items: [{ key: 'k', path: 't' }] } }] },
    },
  ]);
  const paths = await manager.setUp(pod);

  // Deleted and made again with other data: the running pod keeps what it read first.
  for (const [res, name, data] of [
    [resources.configMaps, 'frozen', { k: 'new' }],
    [resources.secrets, 'frozen-s', { k: b64('new') }],
  ] as const) {
    await client.delete(res, ns, name);
    await client.create(res, ns, { metadata: { name }, data, immutable: true });
  }
  const thawed = await client.get(resources.configMaps, ns, 'thawed');
  await client.update(resources.configMaps, { ...thawed, data: { k: 'new' } });
  await manager.refresh(pod);
  assert.equal(await read(path.join(paths.get('cm')!, 'k')), 'old');
  assert.equal(await read(path.join(paths.get('sec')!, 'k')), 'old');
  assert.equal(await read(path.join(paths.get('mix')!, 'k')), 'old');
  assert.equal(await read(path.join(paths.get('mix')!, 't')), 'new'); // a mutable source still updates

  // A new pod reads the object as it is now.
  const { dir } = await setUpOne({ name: 'cm', configMap: { name: 'frozen' } });
  assert.equal(await read(path.join(dir, 'k')), 'new');
});

test('refresh and tearDown of unknown pods are harmless', async () => {
  await manager.refresh(podWith([{ name: 'x', emptyDir: {} }]));
  await manager.tearDown('never-seen');
});
