// The Services control plane through the real kubectl 1.33 against `hale server` with its
// embedded agent: ClusterIP and node-port allocation (requested values honoured, duplicates
// and out-of-range values refused with Kubernetes' messages), the default/kubernetes Service,
// LoadBalancer ingress from the node address, and Endpoints/EndpointSlices following a pod
// as it turns ready, not ready and terminating. No traffic leaves loopback.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { eventually, type HaleServer, startHale, stopHale } from './harness.ts';

const flakyServer = resolve(fileURLToPath(import.meta.url), '../../apps/flaky-server.js');
const marker = `hale-service-controllers-e2e-${process.pid}`;
const serviceCidr = `10.${100 + (process.pid % 50)}.0.0/24`;
const prefix = serviceCidr.replace(/\.0\/24$/, '');

const servicesYaml = `apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: http}]
---
apiVersion: v1
kind: Service
metadata: {name: fixed}
spec:
  clusterIP: ${prefix}.7
  selector: {app: web}
  ports: [{port: 81, targetPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: np}
spec:
  type: NodePort
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080, nodePort: 30105}]
---
apiVersion: v1
kind: Service
metadata: {name: lb}
spec:
  type: LoadBalancer
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: headless}
spec:
  clusterIP: None
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: external}
spec:
  type: ExternalName
  externalName: example.invalid
`;

const podYaml = `apiVersion: v1
kind: Pod
metadata: {name: web-1, labels: {app: web}}
spec:
  terminationGracePeriodSeconds: 10
  containers:
  - name: app
    image: hale.local/flaky-server
    command: ["${process.execPath}", "${flakyServer}", "${marker}"]
    env: [{name: PORT, value: "8080"}]
    ports: [{name: http, containerPort: 8080}]
    readinessProbe:
      httpGet: {path: /healthz, port: 8080}
      periodSeconds: 1
      failureThreshold: 1
    lifecycle:
      preStop: {sleep: {seconds: 3}}
`;

interface Slice {
  metadata: { labels: Record<string, string> };
  endpoints:
    | { addresses: string[]; conditions: { ready: boolean; serving: boolean; terminating: boolean }; targetRef?: { name: string } }[]
    | null;
  ports: { name: string; port: number }[] | null;
}

function get(host: string, port: number, path: string): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const req = request({ host, port, path, agent: false, timeout: 5000 }, (res) => {
      let body = '';
      res.on('data', (d) => {
        body += d;
      });
      res.on('end', () => resolvePromise(body));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

describe('Services control plane with kubectl 1.33', () => {
  let hale: HaleServer;
  const k = async (args: string[], opts: { stdin?: string } = {}) => {
    const r = await hale.kubectl('1.33', args, opts);
    if (r.code !== 0) assert.fail(`kubectl ${args.join(' ')} failed (${r.code}):\n${r.stderr}${r.stdout}`);
    return r.stdout;
  };
  const json = async <T = any>(args: string[]): Promise<T> => JSON.parse(await k(['get', ...args, '-o', 'json'])) as T;
  const slicesOf = async (svc: string) =>
    (await json<{ items: Slice[] }>(['endpointslices', '-l', `kubernetes.io/service-name=${svc}`])).items;

  before(async () => {
    hale = await startHale({
      withAgent: true,
      extraArgs: ['--service-cidr', serviceCidr, '--service-node-port-range', '30100-30199'],
    });
  });
  after(async () => {
    await stopHale(hale);
  });

  test('the kubernetes Service gets the first address and names the API server', async () => {
    const svc = await json(['service', 'kubernetes']);
    assert.equal(svc.spec.clusterIP, `${prefix}.1`);
    assert.deepEqual(svc.spec.ports, [{ name: 'https', port: 443, protocol: 'TCP', targetPort: Number(new URL(hale.url).port) }]);
    const ep = await json(['endpoints', 'kubernetes']);
    assert.deepEqual(
      ep.subsets[0].addresses.map((a: { ip: string }) => a.ip),
      ['127.0.0.1'],
    );
  });

  test('every Service type gets its addresses and ports; kubectl get svc shows them', async () => {
    await k(['apply', '-f', '-'], { stdin: servicesYaml });
    const byName = Object.fromEntries((await json<{ items: any[] }>(['services'])).items.map((s) => [s.metadata.name, s]));
    const ips = ['web', 'fixed', 'np', 'lb'].map((n) => byName[n].spec.clusterIP);
    for (const ip of ips) assert.ok(ip.startsWith(`${prefix}.`), `${ip} is in ${serviceCidr}`);
    assert.equal(new Set(ips).size, 4, 'every Service has its own IP');
    assert.equal(byName.fixed.spec.clusterIP, `${prefix}.7`);
    assert.equal(byName.headless.spec.clusterIP, 'None');
    assert.equal(byName.external.spec.clusterIP, undefined);
    assert.equal(byName.np.spec.ports[0].nodePort, 30105);
    const lbPort = byName.lb.spec.ports[0].nodePort;
    assert.ok(lbPort >= 30100 && lbPort <= 30199 && lbPort !== 30105, `LoadBalancer node port ${lbPort}`);
    const table = await k(['get', 'svc', 'np', 'fixed']);
    assert.match(table, /^NAME\s+TYPE\s+CLUSTER-IP\s+EXTERNAL-IP\s+PORT\(S\)\s+AGE/);
    assert.match(table, new RegExp(`np\\s+NodePort\\s+${prefix.replaceAll('.', '\\.')}\\.\\d+\\s+<none>\\s+80:30105/TCP`));
    assert.match(table, new RegExp(`fixed\\s+ClusterIP\\s+${prefix.replaceAll('.', '\\.')}\\.7\\s+<none>\\s+81/TCP`));
    // ServiceLB: the LoadBalancer answers on the node's address.
    const node = (await json<{ items: any[] }>(['nodes'])).items[0];
    const nodeIP = node.status.addresses.find((a: { type: string }) => a.type === 'InternalIP').address;
    const lb = await eventually(async () => {
      const s = await json(['service', 'lb']);
      return s.status?.loadBalancer?.ingress?.length ? s : undefined;
    });
    assert.deepEqual(lb.status.loadBalancer.ingress, [{ ip: nodeIP, ipMode: 'VIP' }]);
  });

  test('bad input is refused with Kubernetes messages; deleting a Service frees its node port', async () => {
    const dupIP = await hale.kubectl('1.33', ['create', 'service', 'clusterip', 'dup', `--clusterip=${prefix}.7`, '--tcp=80']);
    assert.notEqual(dupIP.code, 0);
    assert.match(
      dupIP.stderr,
      new RegExp(
        `Service "dup" is invalid: spec.clusterIPs: Invalid value: .*${prefix.replaceAll('.', '\\.')}\\.7.*: failed to allocate IP ${prefix.replaceAll('.', '\\.')}\\.7: provided IP is already allocated`,
      ),
    );
    const outside = await hale.kubectl('1.33', ['create', 'service', 'clusterip', 'outside', '--clusterip=192.0.2.1', '--tcp=80']);
    assert.match(
      outside.stderr,
      new RegExp(
        `the provided IP \\(192\\.0\\.2\\.1\\) is not in the valid range. The range of valid IPs is ${serviceCidr.replaceAll('.', '\\.')}`,
      ),
    );
    const dupPort = await hale.kubectl('1.33', ['create', 'service', 'nodeport', 'dupport', '--tcp=80', '--node-port=30105']);
    assert.match(
      dupPort.stderr,
      /Service "dupport" is invalid: spec.ports\[0\].nodePort: Invalid value: 30105: provided port is already allocated/,
    );
    const badPort = await hale.kubectl('1.33', ['create', 'service', 'nodeport', 'badport', '--tcp=80', '--node-port=31999']);
    assert.match(badPort.stderr, /provided port is not in the valid range. The range of valid ports is 30100-30199/);
    // Deleting a Service gives its node port back.
    await k(['delete', 'service', 'np']);
    await k(['create', 'service', 'nodeport', 'np2', '--tcp=80', '--node-port=30105']);
  });

  test('Endpoints and EndpointSlices follow the pod: ready, not ready, terminating, gone', async () => {
    const webSlices = await slicesOf('web');
    assert.equal(webSlices.length, 1, 'a placeholder slice exists before any pod');
    assert.equal(webSlices[0].metadata.labels['endpointslice.kubernetes.io/managed-by'], 'endpointslice-controller.k8s.io');
    assert.deepEqual(webSlices[0].endpoints ?? [], []);

    await k(['apply', '-f', '-'], { stdin: podYaml });
    const podIP = await eventually(async () => {
      const pod = await json(['pod', 'web-1']);
      return pod.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True') ? (pod.status.podIP as string) : undefined;
    }, 60_000);
    const ready = await eventually(async () => {
      const [slice] = await slicesOf('web');
      return slice?.endpoints?.[0]?.conditions.ready ? slice : undefined;
    });
    assert.deepEqual(ready.endpoints?.[0].addresses, [podIP]);
    assert.equal(ready.endpoints?.[0].targetRef?.name, 'web-1');
    assert.deepEqual(ready.ports, [{ name: 'http', port: 8080, protocol: 'TCP' }], 'the named targetPort resolves to the container port');
    await eventually(async () => (await k(['get', 'endpoints', 'web'])).includes(`${podIP}:8080`));

    // Failing readiness moves the pod to notReadyAddresses and ready=false.
    assert.equal(await get(podIP, 8080, '/fail'), 'failing');
    await eventually(async () => {
      const [slice] = await slicesOf('web');
      const c = slice?.endpoints?.[0]?.conditions;
      return c && !c.ready && !c.serving && !c.terminating;
    });
    const notReady = await eventually(async () => {
      const ep = await json(['endpoints', 'web']);
      return ep.subsets?.[0]?.notReadyAddresses ? ep : undefined;
    });
    assert.equal(notReady.subsets[0].addresses, undefined);

    // Terminating (held by its preStop sleep): in the slice as terminating, gone from Endpoints.
    await k(['delete', 'pod', 'web-1', '--wait=false']);
    await eventually(async () => {
      const [slice] = await slicesOf('web');
      const c = slice?.endpoints?.[0]?.conditions;
      return c?.terminating === true && c.ready === false;
    });
    await eventually(async () => {
      const ep = await json(['endpoints', 'web']);
      return (ep.subsets ?? []).length === 0;
    });
    // Gone: the slice falls back to the empty placeholder.
    await eventually(async () => {
      const slices = await slicesOf('web');
      return slices.length === 1 && (slices[0].endpoints ?? []).length === 0;
    }, 30_000);
  });

  test('Services without a selector keep their manual Endpoints, mirrored into an EndpointSlice', async () => {
    const manual = `apiVersion: v1
kind: Service
metadata: {name: manual}
spec:
  ports: [{port: 80}]
---
apiVersion: v1
kind: Endpoints
metadata: {name: manual}
subsets:
- addresses: [{ip: 127.0.0.9}]
  ports: [{port: 80}]
`;
    await k(['apply', '-f', '-'], { stdin: manual });
    // Give the controllers a moment's worth of events (a later write) before checking nothing changed.
    await k(['label', 'service', 'manual', 'touched=yes']);
    await eventually(async () => (await json(['service', 'manual'])).metadata.labels?.touched === 'yes');
    const ep = await json(['endpoints', 'manual']);
    assert.deepEqual(ep.subsets[0].addresses, [{ ip: '127.0.0.9' }]);
    const mirrored = await eventually(async () => (await slicesOf('manual'))[0]);
    assert.equal(mirrored.metadata.labels['endpointslice.kubernetes.io/managed-by'], 'endpointslicemirroring-controller.k8s.io');
    assert.deepEqual(mirrored.endpoints, [{ addresses: ['127.0.0.9'], conditions: { ready: true } }]);
    assert.deepEqual(mirrored.ports, [{ name: '', port: 80, protocol: 'TCP' }]);
  });
});
