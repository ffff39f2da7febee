// An agent rides out API-server restarts and short network loss (issue 6): `hale server
// --disable-agent` and one `hale agent` (host network mode) reaching it through a small TCP
// relay in this test, with a 2-replica Deployment of the flaky test app (readiness probe).
//
// - API-server restart: the server is killed (-9); while it is down one container is killed
//   (-9: the agent restarts it) and the other pod's readiness starts failing. After the restart
//   the API shows the truth (restartCount 1, Ready False), the other container kept its pid,
//   no pod was replaced and the node never went NotReady (the new control plane starts nodes
//   with a fresh heartbeat).
// - Short network loss: the relay stops forwarding bytes without closing any connection (a
//   blackhole, like a real partition: requests and watches hang instead of failing) for longer
//   than the node monitor grace, so the node is marked not ready; the truth changes meanwhile.
//   When bytes flow again the agent must notice its dead connections, renew its Lease, and
//   report the truth, with the same pods and processes.
// - A blackhole longer than the fencing timeout: the agent fences (kills its containers) and,
//   once the network is back, runs its pods again.
//
// Flags, and why:
// - `--fencing-timeout 60s` on the agent for the first two cases: the outages (a server restart
//   on a loaded machine, a cut of a few seconds) must stay shorter than the fencing timeout, or
//   the agent would rightly kill its pods. The third case restarts the agent with 8 s.
// - The pods tolerate `unreachable`/`not-ready` for ever, so the control plane never evicts
//   them: the test checks that the returning agent reports their truth, not that they are
//   replaced. (With one node the cluster is fully disrupted during the cut anyway, and Hale
//   then evicts nothing; eviction and rejoin are covered by failover.test.ts.)
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { eventually, type HaleAgent, type HaleServer, killMatching, removePodCgroups, startAgent, startHale } from './harness.ts';

const flakyServer = resolve(fileURLToPath(import.meta.url), '../../apps/flaky-server.js');
const marker = `hale-reconnect-e2e-${process.pid}`;
const NODE = 'n1';

interface ContainerStatus {
  containerID?: string;
  ready: boolean;
  restartCount: number;
}
interface Pod {
  metadata: { name: string; uid: string; resourceVersion?: string; deletionTimestamp?: string };
  spec: { nodeName?: string };
  status: { podIP?: string; conditions?: { type: string; status: string }[]; containerStatuses?: ContainerStatus[] };
}
interface Node {
  status: { conditions?: { type: string; status: string; lastTransitionTime?: string }[] };
}

/**
 * A TCP relay in front of the API server. `cut()` makes it a blackhole: bytes in either
 * direction are dropped, connections stay open, new connections are accepted and hang.
 * After `resume()` new connections work, but those that existed during the cut stay silent
 * for ever (as when the path they used is gone): the client must notice and open new ones.
 */
class BlackholeRelay {
  private server = net.createServer((client) => this.relay(client));
  private readonly sockets = new Set<net.Socket>();
  private readonly dead = new WeakSet<net.Socket>();
  private cutting = false;
  port = 0;

  constructor(private readonly target: () => URL) {}

  async listen(): Promise<void> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as net.AddressInfo).port;
  }

  cut(): void {
    this.cutting = true;
    for (const s of this.sockets) this.dead.add(s);
  }

  resume(): void {
    this.cutting = false;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise((r) => this.server.close(r));
  }

  private relay(client: net.Socket): void {
    const url = this.target();
    const upstream = net.connect(Number(url.port), url.hostname);
    if (this.cutting) this.dead.add(client);
    for (const s of [client, upstream]) {
      this.sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => {
        this.sockets.delete(s);
        client.destroy();
        upstream.destroy();
      });
    }
    const forward = (from: net.Socket, to: net.Socket) =>
      from.on('data', (chunk) => {
        if (!this.cutting && !this.dead.has(client)) to.write(chunk);
      });
    forward(client, upstream);
    forward(upstream, client);
  }
}

function ps(): { pid: number; args: string[] }[] {
  const out = execFileSync('ps', ['-eo', 'pid=,stat=,args='], { encoding: 'utf8' });
  const rows: { pid: number; args: string[] }[] = [];
  for (const line of out.split('\n')) {
    const [pid, stat, ...args] = line.trim().split(/\s+/);
    // The app itself (node flaky-server.js marker pod), not zombies or shims.
    if (!pid || stat?.startsWith('Z') || !args[0]?.endsWith('node') || args[1] !== flakyServer || args[2] !== marker) continue;
    rows.push({ pid: Number(pid), args });
  }
  return rows;
}

/** Pod name → pids of the app processes running for it. */
function appPids(): Map<string, number[]> {
  const pids = new Map<string, number[]>();
  for (const { pid, args } of ps()) pids.set(args[3], [...(pids.get(args[3]) ?? []), pid]);
  return pids;
}

async function httpGet(url: string): Promise<string> {
  return (await fetch(url, { signal: AbortSignal.timeout(5000) })).text();
}

const deployment = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      terminationGracePeriodSeconds: 2
      tolerations:
      - {key: node.kubernetes.io/unreachable, operator: Exists, effect: NoExecute}
      - {key: node.kubernetes.io/not-ready, operator: Exists, effect: NoExecute}
      containers:
      - name: app
        image: hale.local/flaky-server
        command: ["${process.execPath}", "${flakyServer}", "${marker}", "$(POD_NAME)"]
        env:
        - name: POD_NAME
          valueFrom: {fieldRef: {fieldPath: metadata.name}}
        readinessProbe:
          httpGet: {path: /healthz, port: 8080}
          periodSeconds: 1
          failureThreshold: 1
`;

const ready = (p: Pod) => p.status.conditions?.find((c) => c.type === 'Ready')?.status;
const restarts = (p: Pod) => p.status.containerStatuses?.[0]?.restartCount ?? 0;

describe('an agent through API-server restarts and network loss', () => {
  let hale: HaleServer;
  let agent: HaleAgent;
  let relay: BlackholeRelay;
  let agentLog = '';

  const k = async (args: string[], opts: { stdin?: string } = {}) => {
    const r = await hale.kubectl('1.33', args, { ...opts, timeoutMs: 20_000 });
    if (r.code !== 0) assert.fail(`kubectl ${args.join(' ')} failed (${r.code}):\n${r.stderr}${r.stdout}`);
    return r.stdout;
  };
  const pods = async (): Promise<Pod[]> => JSON.parse(await k(['get', 'pods', '-l', 'app=web', '-o', 'json'])).items;
  const node = async (): Promise<Node> => JSON.parse(await k(['get', 'node', NODE, '-o', 'json']));
  const nodeReady = (n: Node) => n.status.conditions?.find((c) => c.type === 'Ready');
  const leaseRenewTime = async (): Promise<string> =>
    JSON.parse(await k(['get', 'lease', '-n', 'kube-node-lease', NODE, '-o', 'json'])).spec.renewTime;
  const joinAgent = async (fencingTimeout: string, dataDir?: string) => {
    agent = await startAgent({ ...hale, url: `https://127.0.0.1:${relay.port}` }, NODE, {
      extraArgs: ['--fencing-timeout', fencingTimeout],
      ...(dataDir ? { dataDir } : {}),
    });
    agent.process.stderr!.on('data', (d) => {
      agentLog += d;
    });
    await eventually(async () => nodeReady(await node())?.status === 'True', 30_000, 250);
  };
  /** Waits until the API shows what happened meanwhile: `killed` restarted once and Ready, `unready` not Ready. */
  const theTruth = (killed: Pod, unready: Pod) =>
    eventually(
      async () => {
        const now = await pods();
        const a = now.find((p) => p.metadata.name === killed.metadata.name);
        const b = now.find((p) => p.metadata.name === unready.metadata.name);
        return now.length === 2 && a && b && restarts(a) === 1 && ready(a) === 'True' && ready(b) === 'False' && now;
      },
      60_000,
      250,
    );
  /** The two pods, both Ready with their container running. */
  const twoReady = () =>
    eventually(
      async () => {
        const now = await pods();
        return now.length === 2 && now.every((p) => ready(p) === 'True' && appPids().get(p.metadata.name)?.length === 1) && now;
      },
      60_000,
      250,
    );
  /** Waits until the agent has restarted the app of `pod` (a new pid, the old one gone). */
  const restartedLocally = (pod: string, oldPid: number) =>
    eventually(
      async () => {
        const pids = appPids().get(pod) ?? [];
        return pids.length === 1 && pids[0] !== oldPid && pids[0];
      },
      30_000,
      100,
    );

  before(async () => {
    hale = await startHale();
    relay = new BlackholeRelay(() => new URL(hale.url));
    await relay.listen();
    await joinAgent('60s');
    await k(['apply', '-f', '-'], { stdin: deployment });
  });

  after(async () => {
    // For debugging: HALE_E2E_AGENT_LOG=/some/file keeps the agent's log.
    if (process.env.HALE_E2E_AGENT_LOG) writeFileSync(process.env.HALE_E2E_AGENT_LOG, agentLog);
    relay?.resume();
    if (hale) await hale.kubectl('1.33', ['delete', 'deploy', 'web', '--wait=false']).catch(() => undefined);
    await agent?.stop();
    await hale?.stop();
    await relay?.close();
    for (const dir of [hale?.dataDir, agent?.dataDir]) if (dir) killMatching(dir);
    killMatching(marker);
    for (const dir of [hale?.dataDir, agent?.dataDir]) {
      if (!dir) continue;
      await removePodCgroups(dir);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('API-server restart: pods keep running and the API shows the truth afterwards', async (t) => {
    const before = await twoReady();
    const [killed, unready] = before;
    const pidsBefore = appPids();
    const readyBefore = nodeReady(await node());

    await hale.kill9();
    // The truth changes while nobody can report it.
    process.kill(pidsBefore.get(killed.metadata.name)![0], 'SIGKILL');
    assert.equal(await httpGet(`http://${unready.status.podIP}:8080/fail`), 'failing');
    await restartedLocally(killed.metadata.name, pidsBefore.get(killed.metadata.name)![0]);
    await hale.restart();
    const restartedAt = Date.now();

    const after = await theTruth(killed, unready);
    t.diagnostic(`the API showed the truth ${Date.now() - restartedAt} ms after the server restarted`);
    // Same pods (no eviction, no replacement), the untouched container kept its process.
    assert.deepEqual(after.map((p) => p.metadata.uid).sort(), before.map((p) => p.metadata.uid).sort());
    assert.ok(after.every((p) => !p.metadata.deletionTimestamp));
    assert.deepEqual(appPids().get(unready.metadata.name), pidsBefore.get(unready.metadata.name));
    assert.equal(restarts(after.find((p) => p.metadata.name === unready.metadata.name)!), 0);
    assert.equal(appPids().size, 2);
    // The node stayed Ready throughout: its Ready condition never transitioned.
    const readyAfter = nodeReady(await node());
    assert.equal(readyAfter?.status, 'True');
    assert.equal(readyAfter?.lastTransitionTime, readyBefore?.lastTransitionTime);
    assert.doesNotMatch(agentLog, /stopping every pod of this node/);
  });

  test('network blackhole shorter than the fencing timeout: node NotReady, then Ready with the truth', async (t) => {
    // A fresh pair of Ready pods: the previous test left one unready.
    await k(['rollout', 'restart', 'deploy/web']);
    await eventually(async () => (await pods()).length === 2 && appPids().size === 2, 60_000, 250);
    const before = await twoReady();
    const [unready, killed] = before;
    const pidsBefore = appPids();

    relay.cut();
    const cutAt = new Date();
    // The control plane's view: the node is not ready and its pods are marked not ready. (On a
    // failure: what the API showed, and the relay opened again so that later tests can join.)
    await Promise.resolve()
      .then(() => eventually(async () => nodeReady(await node())?.status !== 'True', 30_000, 100))
      .then(() => eventually(async () => (await pods()).every((p) => ready(p) === 'False'), 30_000, 100))
      .catch(async (err) => {
        const seen = (await pods()).map((p) => ({
          name: p.metadata.name,
          node: p.spec.nodeName,
          rv: p.metadata.resourceVersion,
          ready: p.status.conditions?.find((c) => c.type === 'Ready'),
        }));
        t.diagnostic(`during the cut: node Ready ${JSON.stringify(nodeReady(await node()))}, pods ${JSON.stringify(seen)}`);
        relay.resume();
        throw err;
      });
    // The truth changes during the cut.
    process.kill(pidsBefore.get(killed.metadata.name)![0], 'SIGKILL');
    assert.equal(await httpGet(`http://${unready.status.podIP}:8080/fail`), 'failing');
    await restartedLocally(killed.metadata.name, pidsBefore.get(killed.metadata.name)![0]);
    const renewedBeforeResume = await leaseRenewTime();
    assert.ok(new Date(renewedBeforeResume) < cutAt, 'no lease renewal went through the blackhole');
    relay.resume();
    const resumedAt = Date.now();
    t.diagnostic(`blackhole held ${resumedAt - cutAt.getTime()} ms`);

    await eventually(async () => nodeReady(await node())?.status === 'True', 60_000, 250);
    t.diagnostic(`node Ready ${Date.now() - resumedAt} ms after the network came back`);
    await eventually(async () => new Date(await leaseRenewTime()) > cutAt, 30_000, 250);
    const after = await theTruth(killed, unready);
    t.diagnostic(`the API showed the truth ${Date.now() - resumedAt} ms after the network came back`);
    assert.deepEqual(after.map((p) => p.metadata.uid).sort(), before.map((p) => p.metadata.uid).sort());
    assert.ok(after.every((p) => !p.metadata.deletionTimestamp));
    assert.deepEqual(appPids().get(unready.metadata.name), pidsBefore.get(unready.metadata.name));
    assert.equal(restarts(after.find((p) => p.metadata.name === unready.metadata.name)!), 0);
    assert.equal(appPids().size, 2);
    assert.doesNotMatch(agentLog, /stopping every pod of this node/);

    // The agent hears about changes again (its watches were re-opened on new connections):
    // a deleted pod's process ends and exactly one replacement runs.
    await k(['delete', 'pod', unready.metadata.name, '--wait=false']);
    await eventually(
      async () => {
        const now = (await pods()).filter((p) => !p.metadata.deletionTimestamp);
        const pids = appPids();
        return now.length === 2 && now.every((p) => ready(p) === 'True') && !pids.has(unready.metadata.name) && pids.size === 2;
      },
      60_000,
      250,
    );
  });

  test('network blackhole longer than the fencing timeout: the agent fences, then runs its pods again', async () => {
    // The same agent (same data dir) again, with a short fencing timeout.
    const dataDir = agent.dataDir;
    await agent.stop();
    await joinAgent('8s', dataDir);
    await k(['rollout', 'restart', 'deploy/web']);
    await eventually(async () => (await pods()).length === 2 && appPids().size === 2, 60_000, 250);
    const before = await twoReady();

    relay.cut();
    // Not before the timeout: after the node is marked not ready, the pods still run…
    await eventually(async () => nodeReady(await node())?.status !== 'True', 30_000, 100);
    assert.equal(appPids().size, 2);
    assert.doesNotMatch(agentLog, /stopping every pod of this node/);
    // …and after it the agent kills them itself.
    await eventually(async () => appPids().size === 0 && /stopping every pod of this node/.test(agentLog), 60_000, 100);
    relay.resume();

    const after = await eventually(
      async () => {
        const now = await pods();
        return now.length === 2 && now.every((p) => ready(p) === 'True' && restarts(p) >= 1) && appPids().size === 2 && now;
      },
      60_000,
      250,
    );
    assert.deepEqual(after.map((p) => p.metadata.uid).sort(), before.map((p) => p.metadata.uid).sort());
    assert.ok([...appPids().values()].every((pids) => pids.length === 1));
    await eventually(async () => nodeReady(await node())?.status === 'True', 30_000, 250);
  });
});
