// Services end to end through the real kubectl 1.33 against `hale server` with its embedded
// agent and service proxy: a Deployment of the test HTTP app behind a LoadBalancer Service
// answers on its ClusterIP, NodePort and LoadBalancer address from the host; a pod failing
// readiness stops getting traffic; a pod crashing under load costs at most the requests in
// flight on it; a canary weight annotation splits traffic within ±2 points; a broken
// annotation gives a Warning event; a Service without ready endpoints, never or no longer,
// refuses new connections (as kube-proxy's REJECT) while a connection made before goes on.
// Traffic goes only to this host's own addresses.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { Agent, request } from 'node:http';
import { connect } from 'node:net';
import { resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { eventually, type HaleServer, startHale, stopHale } from './harness.ts';

const flakyServer = resolve(fileURLToPath(import.meta.url), '../../apps/flaky-server.js');
const marker = `hale-services-e2e-${process.pid}`;
const canRoute = process.platform === 'linux' && process.getuid?.() === 0;
// Service IPs of this test's cluster, clear of the default range other clusters on the host use.
const serviceCidr = `10.${160 + (process.pid % 80)}.0.0/16`;
const proxyMode = process.env.HALE_E2E_PROXY_MODE ?? 'auto';
// HALE_E2E_NETWORK_MODE=isolated runs the same checks with pods in their own network namespaces.
const networkArgs = process.env.HALE_E2E_NETWORK_MODE ? ['--network-mode', process.env.HALE_E2E_NETWORK_MODE] : [];

interface Pod {
  metadata: { name: string; labels?: Record<string, string>; deletionTimestamp?: string };
  status: { podIP?: string; conditions?: { type: string; status: string }[] };
}

function deployment(name: string, replicas: number, track: string, version: string, app = 'web'): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}}
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: ${app}, track: ${track}}}
  template:
    metadata: {labels: {app: ${app}, track: ${track}}}
    spec:
      terminationGracePeriodSeconds: 2
      containers:
      - name: app
        image: hale.local/flaky-server
        command: ["${process.execPath}", "${flakyServer}", "${marker}"]
        env:
        - {name: VERSION, value: "${version}"}
        - {name: PORT, value: "8080"}
        ports:
        - {name: http, containerPort: 8080}
        readinessProbe:
          httpGet: {path: /healthz, port: 8080}
          periodSeconds: 1
          failureThreshold: 2
          # Slow answers on a loaded machine are not failures: with the default 1 s, two late
          # probes can take a pod out of its endpoints for a second mid-measurement (the likely
          # cause of a canary share 2.4 points low in one CI run). /fail still fails at once.
          timeoutSeconds: 3
`;
}

const serviceYaml = `apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  type: LoadBalancer
  selector: {app: web}
  ports:
  - {name: http, port: 80, targetPort: http}
`;

/** One HTTP GET on a fresh connection (so every request is balanced anew). */
function get(host: string, port: number, path = '/'): Promise<{ status: number; body: string }> {
  return new Promise((resolvePromise, reject) => {
    const req = request({ host, port, path, agent: false, timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => {
        body += d;
      });
      res.on('end', () => resolvePromise({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

/** How a TCP connect ends: 'connected', or the error code (ECONNREFUSED, ...). */
function connectOutcome(host: string, port: number): Promise<string> {
  return new Promise((resolvePromise) => {
    const socket = connect({ host, port });
    socket.setTimeout(5000, () => socket.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
    socket.once('connect', () => {
      socket.destroy();
      resolvePromise('connected');
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolvePromise(err.code ?? err.message));
  });
}

/** `total` requests from `workers` concurrent clients; counts bodies and failures. */
async function load(host: string, port: number, total: number, workers: number, path = '/', onProgress?: (done: number) => void) {
  const bodies = new Map<string, number>();
  let failed = 0;
  let started = 0;
  let done = 0;
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (started < total) {
        started++;
        try {
          const r = await get(host, port, path);
          const key = `${r.status} ${r.body.trim()}`;
          bodies.set(key, (bodies.get(key) ?? 0) + 1);
        } catch {
          failed++;
        }
        done++;
        onProgress?.(done);
      }
    }),
  );
  return { bodies, failed };
}

describe('services through the proxy with kubectl 1.33', { skip: !canRoute && 'ClusterIPs need root for the local route' }, () => {
  let hale: HaleServer;
  let clusterIP = '';

  const k = async (args: string[], opts: { stdin?: string } = {}) => {
    const r = await hale.kubectl('1.33', args, opts);
    if (r.code !== 0) assert.fail(`kubectl ${args.join(' ')} failed (${r.code}):\n${r.stderr}${r.stdout}`);
    return r;
  };
  const getJson = async <T>(args: string[]): Promise<T> => JSON.parse((await k(['get', ...args, '-o', 'json'])).stdout) as T;
  const readyPods = async (selector: string) =>
    (await getJson<{ items: Pod[] }>(['pods', '-l', selector])).items.filter(
      (p) => !p.metadata.deletionTimestamp && p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
    );
  /** IPs of the ready endpoints in the Service's EndpointSlices. */
  const readyEndpoints = async () => {
    const slices = await getJson<{
      items: { endpoints?: { addresses: string[]; conditions?: { ready?: boolean } }[] }[];
    }>(['endpointslices', '-l', 'kubernetes.io/service-name=web']);
    return slices.items.flatMap((s) => (s.endpoints ?? []).filter((e) => e.conditions?.ready).map((e) => e.addresses[0])).sort();
  };

  before(async () => {
    process.env.HALE_POD_CIDR = `127.${101 + ((process.pid + 37) % 150)}.0.0/16`;
    hale = await startHale({ withAgent: true, extraArgs: ['--service-cidr', serviceCidr, '--proxy-mode', proxyMode, ...networkArgs] });
    await k(['apply', '-f', '-'], { stdin: deployment('web', 3, 'stable', '1') });
    await k(['apply', '-f', '-'], { stdin: serviceYaml });
    await eventually(async () => (await readyPods('app=web')).length === 3, 60_000, 250);
    clusterIP = (await k(['get', 'service', 'web', '-o', 'jsonpath={.spec.clusterIP}'])).stdout.trim();
    assert.ok(clusterIP.startsWith(serviceCidr.split('.').slice(0, 2).join('.')), clusterIP);
    await eventually(async () => (await readyEndpoints()).length === 3, 30_000, 250);
  });

  after(async () => {
    if (!hale) return;
    await hale.kubectl('1.33', ['delete', 'deploy', '--all', '--wait=false']).catch(() => undefined);
    await eventually(async () => (await hale.kubectl('1.33', ['get', 'pods', '-o', 'name'])).stdout.trim() === '', 30_000, 250).catch(
      () => undefined,
    );
    await hale.stop();
    for (const pattern of [hale.dataDir, marker]) {
      try {
        execFileSync('pkill', ['-9', '-f', pattern]);
      } catch {
        // pkill exits 1 when nothing matched.
      }
    }
    await stopHale(hale);
  });

  test('the Service answers on its ClusterIP, its NodePort on the node address, and its LoadBalancer IP', async () => {
    const hello = await eventually(async () => (await get(clusterIP, 80)).body, 15_000, 200);
    assert.match(hello, /hello from .* v1/);

    const svc = await getJson<{
      spec: { ports: { nodePort: number }[] };
      status: { loadBalancer?: { ingress?: { ip: string }[] } };
    }>(['service', 'web']);
    const nodePort = svc.spec.ports[0].nodePort;
    assert.ok(nodePort >= 30000 && nodePort <= 32767, String(nodePort));
    const nodeIP = (
      await k(['get', 'nodes', '-o', 'jsonpath={.items[0].status.addresses[?(@.type=="InternalIP")].address}'])
    ).stdout.trim();
    assert.match(await eventually(async () => (await get(nodeIP, nodePort)).body, 15_000, 200), /hello from .* v1/);
    assert.match((await get('127.0.0.1', nodePort)).body, /hello from .* v1/);

    const ingressIP = await eventually(
      async () => {
        const s = await getJson<{ status: { loadBalancer?: { ingress?: { ip: string }[] } } }>(['service', 'web']);
        return s.status.loadBalancer?.ingress?.[0]?.ip;
      },
      30_000,
      250,
    );
    assert.match(await eventually(async () => (await get(ingressIP, 80)).body, 15_000, 200), /hello from .* v1/);
    // kubectl shows the addresses the way users expect.
    const table = (await k(['get', 'service', 'web'])).stdout;
    assert.match(
      table,
      new RegExp(`web\\s+LoadBalancer\\s+${clusterIP.replaceAll('.', '\\.')}\\s+${ingressIP.replaceAll('.', '\\.')}\\s+80:${nodePort}/TCP`),
    );
  });

  test('the API server proxies to the Service and to a pod (kubectl get --raw …/proxy/)', async () => {
    const viaService = await k(['get', '--raw', '/api/v1/namespaces/default/services/web:80/proxy/']);
    assert.match(viaService.stdout, /hello from .* v1/);
    const [pod] = await readyPods('app=web');
    const viaPod = await k(['get', '--raw', `/api/v1/namespaces/default/pods/${pod.metadata.name}:8080/proxy/healthz`]);
    assert.equal(viaPod.stdout, 'ok');
  });

  test('the ClusterIP answers from inside another pod', async (t) => {
    const script = `fetch('http://${clusterIP}/').then((r) => r.text()).then((t) => console.log('got: ' + t.trim()), (e) => { console.log('error: ' + e.message); process.exit(1); })`;
    await k(['apply', '-f', '-'], {
      stdin: `apiVersion: v1
kind: Pod
metadata: {name: client}
spec:
  restartPolicy: Never
  containers:
  - name: client
    image: hale.local/node
    command: ["${process.execPath}", "-e", ${JSON.stringify(script)}, "${marker}"]
`,
    });
    const phase = await eventually(
      async () => {
        const p = (await k(['get', 'pod', 'client', '-o', 'jsonpath={.status.phase}'])).stdout;
        return (p === 'Succeeded' || p === 'Failed') && p;
      },
      60_000,
      250,
    );
    const logs = (await k(['logs', 'client'])).stdout;
    assert.equal(phase, 'Succeeded', logs);
    assert.match(logs, /got: hello from .* v1/);
    t.diagnostic(`client pod IP ${(await k(['get', 'pod', 'client', '-o', 'jsonpath={.status.podIP}'])).stdout}, proxy mode ${proxyMode}`);
    await k(['delete', 'pod', 'client', '--wait=false']);
  });

  test('a pod failing readiness stops receiving traffic', async () => {
    const [victim] = await readyPods('app=web');
    const victimIP = victim.status.podIP as string;
    assert.equal((await get(victimIP, 8080, '/fail')).body, 'failing');
    await eventually(async () => !(await readyEndpoints()).includes(victimIP), 20_000, 200);
    // Once the proxy has the update, health checks through the Service only reach healthy pods.
    await eventually(
      async () => {
        const { bodies, failed } = await load(clusterIP, 80, 30, 3, '/healthz');
        return failed === 0 && bodies.get('200 ok') === 30;
      },
      10_000,
      100,
    );
    const { bodies, failed } = await load(clusterIP, 80, 300, 4, '/healthz');
    assert.equal(failed, 0);
    assert.deepEqual([...bodies], [['200 ok', 300]]);
    // Restore the victim by replacing it.
    await k(['delete', 'pod', victim.metadata.name, '--wait=false']);
    await eventually(async () => (await readyEndpoints()).length === 3 && !(await readyEndpoints()).includes(victimIP), 60_000, 250);
  });

  test('a pod whose process dies under load costs at most the requests in flight on it', {
    skip: proxyMode === 'nftables' && 'kernel DNAT cannot retry a refused connection on another backend (docs/services.md)',
  }, async () => {
    const workers = 4;
    const [victim] = await readyPods('app=web');
    let crashed: Promise<unknown> | undefined;
    const { bodies, failed } = await load(clusterIP, 80, 1500, workers, '/', (done) => {
      if (done === 300 && !crashed) crashed = get(victim.status.podIP as string, 8080, '/crash').catch(() => undefined);
    });
    await crashed;
    const answered = [...bodies.values()].reduce((a, b) => a + b, 0);
    assert.equal(answered + failed, 1500);
    assert.ok(failed <= workers, `failed ${failed} > ${workers} requests in flight`);
    await eventually(async () => (await readyEndpoints()).length === 3, 60_000, 250);
  });

  test('canary weights: 5 % to a one-replica canary within ±2 points over 5,000 requests, moved with kubectl annotate', async (t) => {
    await k(['apply', '-f', '-'], { stdin: deployment('web-canary', 1, 'canary', '2') });
    await eventually(async () => (await readyEndpoints()).length === 4, 60_000, 250);
    const split = async () => {
      const { bodies, failed } = await load(clusterIP, 80, 5000, 8);
      assert.equal(failed, 0);
      const canary = [...bodies].filter(([b]) => b.endsWith('v2')).reduce((s, [, n]) => s + n, 0);
      return (canary / 5000) * 100;
    };
    await k(['annotate', 'service', 'web', 'hale.dev/traffic-weights={"track=canary": 5}']);
    // The proxy applies the annotation shortly after the watch event: wait for a first v2 share
    // well below the replica-count split (25 %), then measure.
    await eventually(
      async () => {
        const { bodies } = await load(clusterIP, 80, 200, 4);
        const v2 = [...bodies].filter(([b]) => b.endsWith('v2')).reduce((s, [, n]) => s + n, 0);
        return v2 < 30;
      },
      15_000,
      200,
    );
    const fivePercent = await split();
    assert.ok(Math.abs(fivePercent - 5) <= 2, `canary got ${fivePercent.toFixed(2)} %`);

    await k(['annotate', '--overwrite', 'service', 'web', 'hale.dev/traffic-weights={"track=canary": 50}']);
    await eventually(
      async () => {
        const { bodies } = await load(clusterIP, 80, 200, 4);
        const v2 = [...bodies].filter(([b]) => b.endsWith('v2')).reduce((s, [, n]) => s + n, 0);
        return v2 > 70;
      },
      15_000,
      200,
    );
    const half = await split();
    t.diagnostic(`canary share measured: ${fivePercent.toFixed(2)} % at weight 5, ${half.toFixed(2)} % at weight 50`);
    assert.ok(Math.abs(half - 50) <= 2, `canary got ${half.toFixed(2)} %`);

    // A broken annotation: a Warning event on the Service, and traffic goes on to all endpoints.
    await k(['annotate', '--overwrite', 'service', 'web', 'hale.dev/traffic-weights=half']);
    const events = await eventually(
      async () => {
        const r = await k(['get', 'events', '--field-selector', 'involvedObject.name=web,reason=InvalidTrafficWeights']);
        return /InvalidTrafficWeights/.test(r.stdout) && r.stdout;
      },
      15_000,
      250,
    );
    assert.match(events, /Warning/);
    const { failed } = await load(clusterIP, 80, 200, 4);
    assert.equal(failed, 0);
  });

  test('no ready endpoint, never or no longer: new connections are refused at once, one made before goes on', async () => {
    const serviceFor = (name: string, selector: string) => `apiVersion: v1
kind: Service
metadata: {name: ${name}}
spec:
  type: NodePort
  selector: {app: ${selector}}
  ports:
  - {name: http, port: 80, targetPort: http}
`;
    const addresses = async (name: string) => {
      const svc = await getJson<{ spec: { clusterIP: string; ports: { nodePort: number }[] } }>(['service', name]);
      return { ip: svc.spec.clusterIP, nodePort: svc.spec.ports[0].nodePort };
    };
    /** Fresh connections to the ClusterIP and the NodePort, every one refused (not accepted, then reset). */
    const assertRefused = async (what: string, at: { ip: string; nodePort: number }) => {
      for (let i = 0; i < 10; i++) {
        assert.equal(await connectOutcome(at.ip, 80), 'ECONNREFUSED', `${what}: ClusterIP, attempt ${i}`);
        assert.equal(await connectOutcome('127.0.0.1', at.nodePort), 'ECONNREFUSED', `${what}: NodePort, attempt ${i}`);
      }
    };

    // A Service that never had an endpoint.
    await k(['apply', '-f', '-'], { stdin: serviceFor('nobody', 'nobody') });
    await assertRefused('never had endpoints', await addresses('nobody'));

    // One that had a ready endpoint and lost it (its pod fails readiness, so it stays up).
    await k(['apply', '-f', '-'], { stdin: deployment('solo', 1, 'solo', '1', 'solo') });
    await k(['apply', '-f', '-'], { stdin: serviceFor('solo', 'solo') });
    const solo = await addresses('solo');
    await eventually(async () => (await readyPods('app=solo')).length === 1, 60_000, 250);
    assert.match(await eventually(async () => (await get(solo.ip, 80)).body, 15_000, 200), /hello from .* v1/);
    // A keep-alive connection through the ClusterIP, used every 500 ms (under the app's 5 s idle timeout).
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const viaKept = () =>
      new Promise<{ body: string; reused: boolean }>((resolvePromise, reject) => {
        const req = request({ host: solo.ip, port: 80, path: '/', agent, timeout: 5000 }, (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (d) => {
            body += d;
          });
          res.on('end', () => resolvePromise({ body, reused: req.reusedSocket }));
          res.on('error', reject);
        });
        req.on('timeout', () => req.destroy(new Error('timeout')));
        req.on('error', reject);
        req.end();
      });
    assert.match((await viaKept()).body, /hello from .* v1/);
    const keptProblems: string[] = [];
    let keptAnswers = 0;
    let pinging = Promise.resolve();
    const ping = setInterval(() => {
      pinging = pinging.then(() =>
        viaKept().then(
          (r) => {
            keptAnswers++;
            if (!r.reused) keptProblems.push('a new connection was opened');
          },
          (err: Error) => {
            keptProblems.push(err.message);
          },
        ),
      );
    }, 500);
    try {
      const [pod] = await readyPods('app=solo');
      assert.equal((await get(pod.status.podIP as string, 8080, '/fail')).body, 'failing');
      await eventually(
        async () => {
          const r = await getJson<{ items: { endpoints?: { conditions?: { ready?: boolean } }[] }[] }>([
            'endpointslices',
            '-l',
            'kubernetes.io/service-name=solo',
          ]);
          return r.items.every((sl) => (sl.endpoints ?? []).every((e) => !e.conditions?.ready));
        },
        20_000,
        200,
      );
      // Once the proxy has the update, every new connection is refused.
      await eventually(async () => (await connectOutcome(solo.ip, 80)) === 'ECONNREFUSED', 10_000, 100);
      await assertRefused('endpoints gone', solo);
    } finally {
      clearInterval(ping);
      await pinging;
    }
    const last = await viaKept();
    agent.destroy();
    assert.deepEqual(keptProblems, []);
    assert.ok(keptAnswers > 0);
    assert.ok(last.reused, 'the connection made before the endpoints went was closed');
    assert.match(last.body, /hello from .* v1/);

    // A ready pod again: the Service answers again.
    await k(['delete', 'pod', '-l', 'app=solo', '--wait=false']);
    assert.match(await eventually(async () => (await get(solo.ip, 80)).body, 60_000, 250), /hello from .* v1/);
    assert.match((await get('127.0.0.1', solo.nodePort)).body, /hello from .* v1/);
    await k(['delete', 'deployment', 'solo', '--wait=false']);
    await k(['delete', 'service', 'solo', 'nobody']);
  });
});
