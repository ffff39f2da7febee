// Workloads across nodes: a `hale server` (node n0, embedded agent) plus two `hale agent`
// processes (n1, n2) driven by the real kubectl 1.33. A DaemonSet follows nodes leaving,
// `kubectl drain` evicts while respecting a PodDisruptionBudget, and the controller-manager
// is leader-elected (two managers against one API server, and one data dir per server).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { resources } from '../../src/client/resources.ts';
import { type RunningControllers, startControllers } from '../../src/server/controllers.ts';
import { type InProcessCluster, startInProcessCluster } from '../../src/testing/in-process-cluster.ts';
import { eventually, type HaleAgent, type HaleServer, removePodCgroups, startAgent, startHale, stopHale } from './harness.ts';

const flakyServer = resolve(fileURLToPath(import.meta.url), '../../apps/flaky-server.js');
const marker = `hale-multinode-e2e-${process.pid}`;
// Pod IPs are host loopback addresses: every node on this host needs its own range, clear of
// other Hale instances running here.
const cidrBase = `127.${101 + ((process.pid + 75) % 150)}`;

interface Pod {
  metadata: { name: string; uid: string; deletionTimestamp?: string };
  spec: { nodeName?: string };
  status: { conditions?: { type: string; status: string }[] };
}

function isReady(pod: Pod): boolean {
  return !pod.metadata.deletionTimestamp && pod.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;
}

function killMatching(pattern: string): void {
  try {
    execFileSync('pkill', ['-9', '-f', pattern]);
  } catch {
    // pkill exits 1 when nothing matched.
  }
}

const appContainer = (env: Record<string, string> = {}) => `      terminationGracePeriodSeconds: 2
      containers:
      - name: app
        image: hale.local/flaky-server
        command: ["${process.execPath}", "${flakyServer}", "${marker}"]
        env: [${Object.entries({ PORT: '8080', ...env })
          .map(([k, v]) => `{name: ${k}, value: "${v}"}`)
          .join(', ')}]
        readinessProbe:
          httpGet: {path: /healthz, port: 8080}
          periodSeconds: 1
`;

describe('workloads on three nodes with kubectl 1.33', () => {
  let hale: HaleServer;
  const agents: HaleAgent[] = [];

  const k = async (args: string[], opts: { stdin?: string; expectFail?: boolean; timeoutMs?: number } = {}) => {
    const r = await hale.kubectl('1.33', args, opts);
    if (!opts.expectFail && r.code !== 0) assert.fail(`kubectl ${args.join(' ')} failed (${r.code}):\n${r.stderr}${r.stdout}`);
    if (opts.expectFail && r.code === 0) assert.fail(`kubectl ${args.join(' ')} should have failed:\n${r.stdout}`);
    return r;
  };
  const apply = (yaml: string) => k(['apply', '-f', '-'], { stdin: yaml });
  const pods = async (selector: string): Promise<Pod[]> =>
    (JSON.parse((await k(['get', 'pods', '-l', selector, '-o', 'json'])).stdout) as { items: Pod[] }).items;
  const readyNodes = async () =>
    (
      JSON.parse((await k(['get', 'nodes', '-o', 'json'])).stdout) as {
        items: { metadata: { name: string }; status: { conditions?: { type: string; status: string }[] } }[];
      }
    ).items
      .filter((n) => n.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'))
      .map((n) => n.metadata.name)
      .sort();

  before(async () => {
    process.env.HALE_POD_CIDR = `${cidrBase}.0.0/24`;
    hale = await startHale({ withAgent: true, extraArgs: ['--node-name', 'n0'] });
    agents.push(await startAgent(hale, 'n1', { podCidr: `${cidrBase}.1.0/24` }));
    agents.push(await startAgent(hale, 'n2', { podCidr: `${cidrBase}.2.0/24` }));
    await eventually(async () => (await readyNodes()).join(',') === 'n0,n1,n2', 30_000, 250);
  });

  after(async () => {
    if (!hale) return;
    // Pods outlive their agents: delete the workloads and wait for the pods before stopping.
    await hale.kubectl('1.33', ['delete', 'deploy,ds,pdb', '--all', '--wait=false']).catch(() => undefined);
    await eventually(async () => (await hale.kubectl('1.33', ['get', 'pods', '-o', 'name'])).stdout.trim() === '', 30_000, 250).catch(
      () => undefined,
    );
    for (const agent of agents) await agent.stop();
    await hale.stop();
    for (const dir of [hale.dataDir, ...agents.map((a) => a.dataDir)]) killMatching(dir);
    killMatching(marker);
    for (const dir of [hale.dataDir, ...agents.map((a) => a.dataDir)]) await removePodCgroups(dir);
    await stopHale(hale);
    for (const agent of agents) execFileSync('rm', ['-rf', agent.dataDir]);
  });

  test('a DaemonSet runs one pod per node and follows a node being removed', async () => {
    await apply(`apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: agent
spec:
  selector:
    matchLabels: {app: ds}
  template:
    metadata:
      labels: {app: ds}
    spec:
${appContainer()}`);
    const placed = await eventually(
      async () => {
        const now = await pods('app=ds');
        return now.length === 3 && now.every(isReady) && now.map((p) => p.spec.nodeName).sort();
      },
      45_000,
      250,
    );
    assert.deepEqual(placed, ['n0', 'n1', 'n2']);
    // The DaemonSet's status follows its pods' a moment later (the controller sees the last
    // pod become Ready through its informer), so the table is waited for, not read once.
    let table = '';
    await eventually(
      async () => {
        table = (await k(['get', 'ds', 'agent'])).stdout;
        return /^agent\s+3\s+3\s+3\s+3\s+3\s+/m.test(table);
      },
      10_000,
      200,
    ).catch(() => assert.fail(`the DaemonSet's status did not reach 3 ready: ${table}`));

    // Node n2 leaves: its agent stops (its pod's processes outlive it, so end them here) and
    // the Node object is deleted. The DaemonSet shrinks to the two remaining nodes.
    const n2 = agents.find((a) => a.nodeName === 'n2')!;
    await n2.stop();
    killMatching(n2.dataDir);
    await k(['delete', 'node', 'n2']);
    let seen = '';
    await eventually(
      async () => {
        const ds = JSON.parse((await k(['get', 'ds', 'agent', '-o', 'json'])).stdout) as {
          status: { desiredNumberScheduled: number; numberReady: number };
        };
        // The pod left on n2 is the pod garbage collector's business (see the next test).
        const ready = (await pods('app=ds'))
          .filter((p) => isReady(p) && p.spec.nodeName !== 'n2')
          .map((p) => p.spec.nodeName)
          .sort();
        seen = `desired ${ds.status.desiredNumberScheduled}, ready ${ds.status.numberReady}, ready pods on ${ready.join(',')}`;
        return seen === 'desired 2, ready 2, ready pods on n0,n1';
      },
      45_000,
      250,
    ).catch((err) => assert.fail(`${err}; last seen: ${seen}`));
  });

  test('the pod bound to the deleted node is removed by the pod garbage collector', async () => {
    await eventually(async () => !(await pods('app=ds')).some((p) => p.spec.nodeName === 'n2'), 15_000, 250);
  });

  test('cordon and drain evict Deployment pods respecting a PodDisruptionBudget; uncordon', async () => {
    await apply(`apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 3
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
${appContainer({ READY_DELAY_MS: '1500' })}---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: web
spec:
  minAvailable: 2
  selector:
    matchLabels: {app: web}
`);
    await k(['rollout', 'status', 'deployment/web', '--timeout=60s'], { timeoutMs: 70_000 });
    const placed = await eventually(async () => {
      const now = await pods('app=web');
      return now.length === 3 && now.every(isReady) && now;
    });
    await eventually(async () => {
      const pdb = JSON.parse((await k(['get', 'pdb', 'web', '-o', 'json'])).stdout) as { status?: { disruptionsAllowed?: number } };
      return pdb.status?.disruptionsAllowed === 1;
    });
    // Spread over n0 and n1, one node holds two of the three replicas: drain that one, so the
    // second eviction is refused until the first pod's replacement is ready elsewhere.
    const counts = new Map<string, number>();
    for (const p of placed) counts.set(p.spec.nodeName!, (counts.get(p.spec.nodeName!) ?? 0) + 1);
    const busy = [...counts].find(([, n]) => n === 2)?.[0];
    assert.ok(busy, `expected two replicas on one node: ${JSON.stringify([...counts])}`);
    const other = busy === 'n0' ? 'n1' : 'n0';

    const cordon = await k(['cordon', busy]);
    assert.match(cordon.stdout, new RegExp(`node/${busy} cordoned`));
    assert.match((await k(['get', 'node', busy])).stdout, /Ready,SchedulingDisabled/);

    const drain = await k(['drain', busy, '--ignore-daemonsets', '--delete-emptydir-data', '--timeout=90s'], { timeoutMs: 100_000 });
    const output = drain.stdout + drain.stderr;
    assert.match(output, /Warning: ignoring DaemonSet-managed Pods: default\/agent-/);
    assert.match(output, /Cannot evict pod as it would violate the pod's disruption budget/);
    assert.match(output, new RegExp(`node/${busy} drained`));

    const after = await eventually(async () => {
      const now = await pods('app=web');
      return now.length === 3 && now.every(isReady) && now;
    });
    assert.deepEqual(
      after.map((p) => p.spec.nodeName),
      [other, other, other],
    );
    // The DaemonSet pod stays on the drained node.
    assert.ok((await pods('app=ds')).some((p) => p.spec.nodeName === busy));

    const uncordon = await k(['uncordon', busy]);
    assert.match(uncordon.stdout, new RegExp(`node/${busy} uncordoned`));
    const node = JSON.parse((await k(['get', 'node', busy, '-o', 'json'])).stdout) as { spec: { unschedulable?: boolean } };
    assert.notEqual(node.spec.unschedulable, true);
    assert.doesNotMatch((await k(['get', 'node', busy])).stdout, /SchedulingDisabled/);

    await k(['delete', 'deployment', 'web']);
    await eventually(async () => (await pods('app=web')).length === 0, 30_000, 250);
  });
});

describe('controller-manager leader election', () => {
  let cluster: InProcessCluster;
  const managers: RunningControllers[] = [];
  const logger = pino({ level: 'silent' });
  const timings = { leaseDurationMs: 1_000, renewDeadlineMs: 700, retryPeriodMs: 100 };

  before(async () => {
    cluster = await startInProcessCluster();
  });
  after(async () => {
    await Promise.all(managers.map((m) => m.stop()));
    await cluster?.stop();
  });

  test('only one of two controller-managers leads; the other takes over when it stops', async () => {
    const a = await startControllers(cluster.client, logger, { leaderElection: { ...timings, identity: 'manager-a' } });
    managers.push(a);
    await eventually(async () => a.isLeader(), 10_000, 20);
    const b = await startControllers(cluster.client, logger, { leaderElection: { ...timings, identity: 'manager-b' } });
    managers.push(b);

    // Over several lease periods the second never leads while the first renews.
    const until = Date.now() + 2_500;
    while (Date.now() < until) {
      assert.ok(a.isLeader() && !b.isLeader(), 'exactly manager-a leads');
      await new Promise((r) => setTimeout(r, 50));
    }
    const lease = await cluster.client.get(resources.leases, 'kube-system', 'hale-controller-manager');
    assert.equal((lease as { spec: { holderIdentity?: string } }).spec.holderIdentity, 'manager-a');

    // The only manager running controllers acts: a ReplicaSet gets its pods.
    await cluster.client.create(resources.replicaSets, 'default', {
      metadata: { name: 'rs' },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'rs' } },
        template: { metadata: { labels: { app: 'rs' } }, spec: { containers: [{ name: 'c', image: 'x', command: ['true'] }] } },
      },
    });
    await eventually(async () => (await cluster.client.list(resources.pods, 'default')).items.length === 2, 10_000, 50);

    await a.stop();
    assert.equal(a.isLeader(), false);
    await eventually(async () => b.isLeader(), 10_000, 20);
    await eventually(async () => {
      const l = (await cluster.client.get(resources.leases, 'kube-system', 'hale-controller-manager')) as {
        spec: { holderIdentity?: string };
      };
      return l.spec.holderIdentity === 'manager-b';
    });
    // The new leader's controllers work: scaling the ReplicaSet up is acted on.
    await cluster.client.patch(resources.replicaSets, 'default', 'rs', { spec: { replicas: 3 } }, 'merge');
    await eventually(async () => (await cluster.client.list(resources.pods, 'default')).items.length === 3, 10_000, 50);
  });
});

describe('one data directory, one server', () => {
  let first: HaleServer | undefined;
  after(async () => {
    await stopHale(first);
  });

  test('a second hale server on the same data dir fails with a clear error', async () => {
    first = await startHale();
    await assert.rejects(startHale({ dataDir: first.dataDir }), /locked by another process/);
    // The first server is unaffected.
    const r = await first.kubectl('1.33', ['get', 'ns', 'default', '-o', 'name']);
    assert.equal(r.stdout.trim(), 'namespace/default');
  });
});
