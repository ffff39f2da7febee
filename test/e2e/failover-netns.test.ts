// Node failover with every node in its own network namespace, like three machines on a LAN
// (node-netns.ts): `hale server --disable-agent` listens on the LAN's bridge in the host
// namespace, and three `hale agent` processes (isolated pod network, cross-node pod routes)
// run inside their node namespaces. A 6-replica Deployment of flaky-server behind a ClusterIP
// Service is spread over the nodes, and a client inside a surviving node sends a request
// every 50 ms through that node's service proxy while a node fails: kill -9 of its agent, a
// frozen agent (SIGSTOP), and a network partition (its LAN link down). Each time the node's
// pods are replaced on the others, its old copies are fenced, the Service keeps answering,
// and after the node returns exactly six copies run. Needs root, iproute2 and nsenter.
//
// Every pod's process carries a marker, its pod name and uid in its argv, so the test counts
// real processes (`ps`), not just API objects.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, type TestContext, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { nodeNetworkKey } from '../../src/agent/network/names.ts';
import { eventually, type HaleAgent, type HaleServer, killMatching, removePodCgroups, startAgent, startHale } from './harness.ts';
import {
  canBuildNodeLan,
  createNodeLan,
  fetchFrom,
  longestSilence,
  type NodeLan,
  type ServiceClient,
  startServiceClient,
} from './node-netns.ts';

const flakyServer = resolve(fileURLToPath(import.meta.url), '../../apps/flaky-server.js');
const marker = `hale-failover-netns-e2e-${process.pid}`;
// Pod and Service ranges exist only inside the node namespaces; unique per run all the same.
const clusterCidr = `10.${200 + (process.pid % 50)}.0.0/16`;
const serviceCidr = `10.${150 + (process.pid % 50)}.0.0/16`;
const NODES = ['n1', 'n2', 'n3'];
const skip = canBuildNodeLan() ? false : 'needs root, iproute2 and nsenter';

interface Pod {
  metadata: { name: string; uid: string; deletionTimestamp?: string };
  spec: { nodeName?: string };
  status: { conditions?: { type: string; status: string }[] };
}
interface Node {
  spec: { taints?: { key: string; effect: string }[] };
  status: { conditions?: { type: string; status: string }[]; addresses?: { type: string; address: string }[] };
}

const isReady = (pod: Pod) =>
  !pod.metadata.deletionTimestamp && pod.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;

/** Pod uid → how many live processes run it (argv: node flaky-server.js marker name uid). */
function runningCopies(): Map<string, number> {
  const out = execFileSync('ps', ['-eo', 'stat=,args='], { encoding: 'utf8' });
  const copies = new Map<string, number>();
  for (const line of out.split('\n')) {
    const [stat, ...args] = line.trim().split(/\s+/);
    // Skip zombies and the shims (their argv may repeat the workload's).
    if (stat?.startsWith('Z') || !args[0]?.endsWith('node') || args[1] !== flakyServer || args[2] !== marker) continue;
    copies.set(args[4], (copies.get(args[4]) ?? 0) + 1);
  }
  return copies;
}

const manifests = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 6
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      terminationGracePeriodSeconds: 2
      topologySpreadConstraints:
      - {maxSkew: 1, topologyKey: kubernetes.io/hostname, whenUnsatisfiable: ScheduleAnyway, labelSelector: {matchLabels: {app: web}}}
      containers:
      - name: app
        image: hale.local/flaky-server
        command: ["${process.execPath}", "${flakyServer}", "${marker}", "$(POD_NAME)", "$(POD_UID)"]
        env:
        - {name: PORT, value: "8080"}
        - name: POD_NAME
          valueFrom: {fieldRef: {fieldPath: metadata.name}}
        - name: POD_UID
          valueFrom: {fieldRef: {fieldPath: metadata.uid}}
        readinessProbe:
          httpGet: {path: /healthz, port: 8080}
          periodSeconds: 1
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
`;

// How many requests may fail when a node fails: only those whose relayed connection to one of
// its pods is open at that instant (a partition leaves them hanging until the client's
// timeout; fencing kills the process under them). New connections to a dead or unreachable
// pod are retried on another backend by the proxy (refusal or 3 s connect timeout), so they
// succeed. A request takes a few ms and one starts every 50 ms: at most a couple are open at
// once, whatever the load.
const MAX_FAILED = 2;
// The longest stretch without an answer, in requests started (one every 50 ms on the
// client's clock): a new request that first picks an unreachable pod waits out the proxy's
// 3 s connect timeout (60 ticks) before it is answered by another, but the requests started
// meanwhile that pick a live pod are answered at once, so a stretch near 60 means the Service
// stopped answering. Counted on the client's clock, so a loaded machine does not trip it.
const MAX_SILENCE_TICKS = 60;

describe('node failover with nodes in their own network namespaces (kubectl 1.33)', { skip }, () => {
  let lan: NodeLan | undefined;
  let hale: HaleServer | undefined;
  const agents = new Map<string, HaleAgent>();
  const clients: ServiceClient[] = [];
  let clusterIP = '';

  const k = async (args: string[], opts: { stdin?: string } = {}) => {
    const r = await hale!.kubectl('1.33', args, opts);
    if (r.code !== 0) assert.fail(`kubectl ${args.join(' ')} failed (${r.code}):\n${r.stderr}${r.stdout}`);
    return r.stdout;
  };
  const pods = async (): Promise<Pod[]> => JSON.parse(await k(['get', 'pods', '-l', 'app=web', '-o', 'json'])).items;
  const node = async (name: string): Promise<Node> => JSON.parse(await k(['get', 'node', name, '-o', 'json']));
  const ready = (n: Node) => n.status.conditions?.find((c) => c.type === 'Ready')?.status;
  /** Waits for the node to be Ready without taints; on timeout says what it looked like. */
  const readyAndUntainted = async (name: string, timeoutMs = 60_000) => {
    let last: Node | undefined;
    try {
      await eventually(
        async () => {
          last = await node(name);
          return ready(last) === 'True' && !last.spec.taints?.length;
        },
        timeoutMs,
        250,
      );
    } catch (err) {
      const state = JSON.stringify({ conditions: last?.status.conditions, taints: last?.spec.taints });
      // Its agent's last warnings and errors (pino levels 40 and 50), then its last lines.
      const lines = (agents.get(name)?.stderr() ?? '').trim().split('\n');
      const log = [...lines.filter((line) => /"level":(40|50)/.test(line)).slice(-8), '…', ...lines.slice(-6)];
      throw new Error(`${name} is not back: ${(err as Error).message}; last seen ${state}\n${log.join('\n')}`);
    }
  };

  const joinNode = async (name: string, dataDir?: string) => {
    const agent = await startAgent(hale!, name, {
      netns: lan!.nodes.get(name)!.netns,
      dataDir: dataDir ?? mkdtempSync(join(tmpdir(), `hale-e2e-netns-${name}-`)),
      // A short fencing window keeps the test quick.
      extraArgs: ['--network-mode', 'isolated', '--cluster-cidr', clusterCidr, '--service-cidr', serviceCidr, '--fencing-timeout', '8s'],
    });
    agents.set(name, agent);
    await readyAndUntainted(name);
  };

  /** Six Ready replicas, none on `avoid`. */
  const sixReadyAway = (avoid: string) =>
    eventually(
      async () => {
        const now = (await pods()).filter(isReady);
        return now.length === 6 && now.every((p) => p.spec.nodeName !== avoid) && now;
      },
      60_000,
      250,
    );

  /** Exactly six Ready replicas, each running as one process, and no other copy running. */
  const exactlySix = async () => {
    let last = '';
    try {
      return await eventually(
        async () => {
          const all = await pods();
          const readyUids = all
            .filter(isReady)
            .map((p) => p.metadata.uid)
            .sort();
          const copies = runningCopies();
          last = JSON.stringify({
            pods: all.map((p) => `${p.metadata.name}@${p.spec.nodeName}${isReady(p) ? '' : ' (not ready)'}`),
            processes: Object.fromEntries(copies),
          });
          const settled =
            all.length === 6 &&
            readyUids.length === 6 &&
            JSON.stringify([...copies.keys()].sort()) === JSON.stringify(readyUids) &&
            [...copies.values()].every((c) => c === 1);
          return settled && all;
        },
        60_000,
        250,
      );
    } catch (err) {
      throw new Error(`not exactly six copies: ${(err as Error).message}; last seen ${last}`);
    }
  };

  /**
   * One failure: a client inside `clientNode` sends requests while `victim` fails and
   * returns; its pods must be replaced elsewhere and fenced, and six copies run at the end.
   */
  const survive = async (t: TestContext, victim: string, clientNode: string, fail: () => void, recover: () => Promise<void>) => {
    const onVictim = (await pods()).filter((p) => p.spec.nodeName === victim).map((p) => p.metadata.uid);
    assert.ok(onVictim.length > 0, `${victim} runs some of the pods`);
    const client = startServiceClient(lan!.nodes.get(clientNode)!.netns, clusterIP, 80);
    clients.push(client);
    await eventually(async () => client.results().filter((r) => r.ok).length >= 20, 30_000, 100);

    fail();
    let recovered = false;
    try {
      await sixReadyAway(victim);
      // The victim's containers are fenced (by its watchdog, or by its agent that cannot renew).
      await eventually(async () => onVictim.every((uid) => !runningCopies().has(uid)), 60_000, 250);
      await recover();
      recovered = true;
    } finally {
      // Bring the node back even when a check failed, so the next scenario starts whole.
      if (!recovered) await recover().catch(() => undefined);
    }
    await readyAndUntainted(victim);
    const settled = await exactlySix();
    assert.ok(
      settled.every((p) => !onVictim.includes(p.metadata.uid)),
      'the fenced pods were not started again',
    );

    const results = await client.stop();
    const failed = results.filter((r) => !r.ok);
    const silence = longestSilence(results);
    const summary = `${results.length} requests, ${failed.length} failed (${failed.map((r) => r.detail).join('; ')}), longest silence ${silence} requests`;
    t.diagnostic(summary);
    assert.ok(results.length > 40, summary);
    assert.ok(failed.length <= MAX_FAILED, summary);
    assert.ok(silence < MAX_SILENCE_TICKS, summary);
  };

  before(async () => {
    lan = createNodeLan(NODES);
    // The bridge exists before the server's first start, so its certificate names the bridge
    // address (every local address goes into the SANs) and agents can verify it.
    hale = await startHale({
      extraArgs: ['--bind', lan.gateway, '--cluster-cidr', clusterCidr, '--service-cidr', serviceCidr, '--disable-cluster-dns'],
    });
    assert.equal(new URL(hale.url).hostname, lan.gateway);
    for (const name of NODES) await joinNode(name);
    for (const name of NODES) {
      const internal = (await node(name)).status.addresses?.find((a) => a.type === 'InternalIP')?.address;
      assert.equal(internal, lan.nodes.get(name)!.address, `${name}'s InternalIP is its LAN address`);
    }
    await k(['apply', '-f', '-'], { stdin: manifests });
    clusterIP = (await k(['get', 'service', 'web', '-o', 'jsonpath={.spec.clusterIP}'])).trim();
    const placed = await sixReadyAway('');
    assert.equal(new Set(placed.map((p) => p.spec.nodeName)).size, 3, 'the pods are spread over the three nodes');
  });

  after(async () => {
    for (const client of clients) await client.stop().catch(() => undefined);
    for (const name of NODES) {
      try {
        lan?.heal(name);
      } catch {
        // its veth is gone
      }
    }
    for (const agent of agents.values()) agent.process.kill('SIGCONT');
    // Pods deleted through their agents release their cgroups and network namespaces.
    if (hale) {
      await hale.kubectl('1.33', ['delete', 'deploy', '--all', '--wait=false']).catch(() => undefined);
      await eventually(async () => (await pods()).length === 0, 20_000, 250).catch(() => undefined);
    }
    for (const agent of agents.values()) await agent.stop().catch(() => undefined);
    await hale?.stop().catch(() => undefined);
    const dirs = [...(hale ? [hale.dataDir] : []), ...[...agents.values()].map((a) => a.dataDir)];
    for (const dir of dirs) killMatching(dir);
    killMatching(marker);
    lan?.destroy([...agents.values()].map((a) => nodeNetworkKey(a.nodeName, a.dataDir)));
    for (const dir of dirs) await removePodCgroups(dir);
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  test('every node reaches every pod across the LAN, and the Service from its own namespace', async () => {
    const podIPs = (JSON.parse(await k(['get', 'pods', '-l', 'app=web', '-o', 'json'])).items as { status: { podIP: string } }[]).map(
      (p) => p.status.podIP,
    );
    assert.equal(podIPs.length, 6);
    for (const name of NODES) {
      const answers = await fetchFrom(
        lan!.nodes.get(name)!.netns,
        podIPs.map((podIP) => `http://${podIP}:8080/`),
      );
      assert.ok(
        answers.every((a) => a.startsWith('hello from ')),
        `from ${name}: ${answers.join(' | ')}`,
      );
      const client = startServiceClient(lan!.nodes.get(name)!.netns, clusterIP, 80);
      clients.push(client);
      await eventually(async () => client.results().filter((r) => r.ok).length >= 20, 30_000);
      const results = await client.stop();
      assert.deepEqual(
        results.filter((r) => !r.ok),
        [],
      );
    }
  });

  test('kill -9 of an agent: its pods are replaced and fenced, the Service keeps answering, six run after it returns', async (t) => {
    const victim = 'n1';
    await survive(
      t,
      victim,
      'n3',
      () => agents.get(victim)!.process.kill('SIGKILL'),
      () => joinNode(victim, agents.get(victim)!.dataDir),
    );
  });

  test('a frozen agent (SIGSTOP): its pods are replaced and fenced, the Service keeps answering, six run after SIGCONT', async (t) => {
    const victim = 'n2';
    await survive(
      t,
      victim,
      'n1',
      () => agents.get(victim)!.process.kill('SIGSTOP'),
      async () => {
        agents.get(victim)!.process.kill('SIGCONT');
      },
    );
  });

  test('a partitioned node (LAN link down): its pods are replaced and fenced, the Service keeps answering, six run after it heals', async (t) => {
    const victim = 'n3';
    await survive(
      t,
      victim,
      'n1',
      () => lan!.partition(victim),
      async () => lan!.heal(victim),
    );
  });
});
