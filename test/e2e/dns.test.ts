// Cluster DNS end to end with the real kubectl 1.33 against `hale server` with its embedded
// agent: the server publishes itself as Service kube-system/kube-dns, answers Service A and
// SRV records, headless StatefulSet per-pod records, pod records, ExternalName CNAMEs and
// NXDOMAIN, queried straight at the host address it publishes; and a pod resolves a Service by its
// short name through its resolv.conf and the service proxy. Queries go only to this host.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { Resolver } from 'node:dns/promises';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { bridgeName, netnsPrefix, nodeNetworkKey } from '../../src/agent/network/names.ts';
import { eventually, type HaleServer, removePodCgroups, startHale, stopHale } from './harness.ts';

const flakyServer = resolve(fileURLToPath(import.meta.url), '../../apps/flaky-server.js');
const marker = `hale-dns-e2e-${process.pid}`;
// Service IPs of this test's cluster, clear of the ranges other clusters on the host use.
const serviceNet = `10.${80 + (process.pid % 70)}`;
const serviceCidr = `${serviceNet}.0.0/16`;
const dnsIP = `${serviceNet}.0.10`;
const ns = 'dns-e2e';
const zone = 'cluster.local';
const canRoute = process.platform === 'linux' && process.getuid?.() === 0;
// As root, pods get the isolated network (own netns and resolv.conf), with this test's own pod range.
const clusterCidr = `10.${200 + (process.pid % 30)}.0.0/16`;
const nodeName = `dns-e2e-${process.pid}`;
const networkArgs = canRoute ? ['--network-mode', 'isolated', '--cluster-cidr', clusterCidr, '--node-name', nodeName] : [];

function quietly(fn: () => unknown): void {
  try {
    fn();
  } catch {
    // Already gone, or nothing matched.
  }
}

/** Removes what the isolated pod network of this test's node may have left behind. */
function removeNetworkLeftovers(dataDir: string): void {
  if (!canRoute) return;
  const ip = (...args: string[]) => execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const key = nodeNetworkKey(nodeName, join(dataDir, 'agent'));
  for (const line of ip('netns', 'list').split('\n')) {
    if (line.startsWith(netnsPrefix(key))) quietly(() => ip('netns', 'delete', line.split(' ')[0]));
  }
  quietly(() => ip('link', 'delete', bridgeName(key)));
  for (let i = 0; i < 8; i++) quietly(() => ip('rule', 'del', 'iif', bridgeName(key)));
  quietly(() => ip('route', 'delete', 'unreachable', clusterCidr));
}

const app = (env = '') => `
        image: hale.local/flaky-server
        command: ["${process.execPath}", "${flakyServer}", "${marker}"]
        env: [{name: PORT, value: "8080"}${env}]
        ports: [{name: http, containerPort: 8080}]
        readinessProbe: {httpGet: {path: /healthz, port: 8080}, periodSeconds: 1}`;

const manifests = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: ${ns}}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: app${app()}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: ${ns}}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: http}]
---
apiVersion: v1
kind: Service
metadata: {name: db, namespace: ${ns}}
spec:
  clusterIP: None
  selector: {app: db}
  ports: [{name: peer, port: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: db-by-name, namespace: ${ns}}
spec:
  clusterIP: None
  selector: {app: db}
  ports: [{name: peer, port: 7000, targetPort: peer}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: ${ns}}
spec:
  serviceName: db
  replicas: 2
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: app${app()}
---
apiVersion: v1
kind: Service
metadata: {name: docs, namespace: ${ns}}
spec: {type: ExternalName, externalName: web.${ns}.svc.${zone}}
`;

interface PodJson {
  metadata: { name: string };
  status: { podIP?: string; conditions?: { type: string; status: string }[] };
}

describe('cluster DNS with kubectl 1.33', () => {
  let hale: HaleServer;
  let resolver: Resolver;
  let dnsPort = 0;

  const k = async (args: string[], opts: { stdin?: string } = {}) => {
    const r = await hale.kubectl('1.33', args, opts);
    if (r.code !== 0) assert.fail(`kubectl ${args.join(' ')} failed (${r.code}):\n${r.stderr}${r.stdout}`);
    return r.stdout;
  };
  const json = async <T>(args: string[]): Promise<T> => JSON.parse(await k(['get', ...args, '-o', 'json'])) as T;
  const readyPod = async (name: string) => {
    const pod = await json<PodJson>(['pod', name, '-n', ns]).catch(() => undefined);
    return pod?.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ? pod : undefined;
  };

  before(async () => {
    hale = await startHale({
      withAgent: true,
      // The DNS server listens where it does by default: the host's address, port 53 or a free one.
      extraArgs: ['--service-cidr', serviceCidr, '--cluster-dns', dnsIP, ...networkArgs],
    });
    await k(['create', 'namespace', ns]);
    await k(['apply', '-f', '-'], { stdin: manifests });
  });

  after(async () => {
    if (!hale) return;
    await hale.kubectl('1.33', ['delete', 'namespace', ns, '--wait=false']).catch(() => undefined);
    await hale.stop();
    for (const pattern of [hale.dataDir, marker]) quietly(() => execFileSync('pkill', ['-9', '-f', pattern]));
    removeNetworkLeftovers(hale.dataDir);
    await removePodCgroups(hale.dataDir);
    await stopHale(hale);
  });

  test('the server publishes itself as Service kube-system/kube-dns with its endpoint', async () => {
    const svc = await json<{ spec: { clusterIP: string; ports: { name: string; port: number; protocol: string }[] } }>([
      'service',
      'kube-dns',
      '-n',
      'kube-system',
    ]);
    assert.equal(svc.spec.clusterIP, dnsIP);
    assert.deepEqual(
      svc.spec.ports.map((p) => `${p.name} ${p.port}/${p.protocol}`),
      ['dns 53/UDP', 'dns-tcp 53/TCP'],
    );
    const slice = await json<{ endpoints: { addresses: string[] }[]; ports: { name: string; port: number }[] }>([
      'endpointslice',
      'kube-dns',
      '-n',
      'kube-system',
    ]);
    dnsPort = slice.ports[0].port;
    assert.ok(dnsPort > 0);
    assert.equal(slice.endpoints.length, 1);
    resolver = new Resolver({ timeout: 3000, tries: 2 });
    const address = slice.endpoints[0].addresses[0];
    resolver.setServers([address.includes(':') ? `[${address}]:${dnsPort}` : `${address}:${dnsPort}`]);
    assert.deepEqual(await resolver.resolve4(`kube-dns.kube-system.svc.${zone}`), [dnsIP]);
  });

  test('a ClusterIP Service has an A record and SRV records for its named ports', async () => {
    const clusterIP = (await k(['get', 'service', 'web', '-n', ns, '-o', 'jsonpath={.spec.clusterIP}'])).trim();
    assert.ok(clusterIP.startsWith(`${serviceNet}.`), clusterIP);
    assert.deepEqual(await eventually(() => resolver.resolve4(`web.${ns}.svc.${zone}`).catch(() => undefined)), [clusterIP]);
    assert.deepEqual(await resolver.resolveSrv(`_http._tcp.web.${ns}.svc.${zone}`), [
      { name: `web.${ns}.svc.${zone}`, port: 80, priority: 0, weight: 100 },
    ]);
    assert.deepEqual(await resolver.resolveCname(`docs.${ns}.svc.${zone}`), [`web.${ns}.svc.${zone}`]);
  });

  test('a headless StatefulSet Service answers with its ready pods, each also by hostname', async () => {
    const [db0, db1] = await eventually(
      async () => {
        const pods = await Promise.all([readyPod('db-0'), readyPod('db-1')]);
        return pods.every(Boolean) ? (pods as PodJson[]) : undefined;
      },
      90_000,
      250,
    );
    const ips = [db0.status.podIP!, db1.status.podIP!].sort();
    const answered = await eventually(async () => {
      const got = (await resolver.resolve4(`db.${ns}.svc.${zone}`).catch(() => [])).sort();
      return got.length === 2 ? got : undefined;
    });
    assert.deepEqual(answered, ips);
    assert.deepEqual(await eventually(() => resolver.resolve4(`db-0.db.${ns}.svc.${zone}`).catch(() => undefined)), [db0.status.podIP]);
    assert.deepEqual(await resolver.resolve4(`db-1.db.${ns}.svc.${zone}`), [db1.status.podIP]);
    const srv = (await resolver.resolveSrv(`_peer._tcp.db.${ns}.svc.${zone}`)).map((r) => `${r.name}:${r.port}`).sort();
    assert.deepEqual(srv, [`db-0.db.${ns}.svc.${zone}:8080`, `db-1.db.${ns}.svc.${zone}:8080`]);
    // The pods have no port named "peer": they are still endpoints (in a slice without ports), as in Kubernetes.
    const byName = await eventually(async () => {
      const got = (await resolver.resolve4(`db-by-name.${ns}.svc.${zone}`).catch(() => [])).sort();
      return got.length === 2 ? got : undefined;
    });
    assert.deepEqual(byName, ips);
    const dashed = db0.status.podIP!.replaceAll('.', '-');
    assert.deepEqual(await resolver.resolve4(`${dashed}.${ns}.pod.${zone}`), [db0.status.podIP]);
  });

  test('unknown names in the cluster domain are NXDOMAIN; a deleted Service disappears', async () => {
    await assert.rejects(resolver.resolve4(`nope.${ns}.svc.${zone}`), { code: 'ENOTFOUND' });
    await assert.rejects(resolver.resolve4(`web.no-such-namespace.svc.${zone}`), { code: 'ENOTFOUND' });
    await k(['delete', 'service', 'docs', '-n', ns]);
    await eventually(() =>
      resolver.resolveCname(`docs.${ns}.svc.${zone}`).then(
        () => false,
        (err) => err.code === 'ENOTFOUND',
      ),
    );
  });

  test('a pod resolves a Service by its short name', { skip: !canRoute && 'the ClusterIP route needs root' }, async (t) => {
    const pod = await eventually(
      async () => {
        const pods = await json<{ items: PodJson[] }>(['pods', '-n', ns, '-l', 'app=web']);
        return pods.items.find((p) => p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
      },
      90_000,
      250,
    );
    const resolvConf = await hale.kubectl('1.33', ['exec', '-n', ns, pod.metadata.name, '--', 'cat', '/etc/resolv.conf']);
    if (!resolvConf.stdout.includes(`nameserver ${dnsIP}`)) {
      t.skip(`the resolv.conf of pod ${pod.status.podIP} does not point at the cluster DNS in this network mode:\n${resolvConf.stdout}`);
      return;
    }
    assert.match(resolvConf.stdout, new RegExp(`^search ${ns}\\.svc\\.${zone} svc\\.${zone} ${zone}`, 'm'));
    const clusterIP = (await k(['get', 'service', 'web', '-n', ns, '-o', 'jsonpath={.spec.clusterIP}'])).trim();
    const script = "require('dns').lookup('web', { family: 4 }, (err, address) => console.log(err ? err.code : address))";
    const looked = await eventually(
      async () => {
        const r = await hale.kubectl('1.33', ['exec', '-n', ns, pod.metadata.name, '--', process.execPath, '-e', script]);
        return r.stdout.trim() === clusterIP ? r.stdout.trim() : undefined;
      },
      20_000,
      500,
    );
    assert.equal(looked, clusterIP);
  });
});
