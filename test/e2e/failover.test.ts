// Node failover end to end: `hale server --disable-agent` and three `hale agent` processes
// (n1, n2, n3) on this machine, driven by the real kubectl 1.33. A 6-replica Deployment
// survives a `kill -9` of an agent and a frozen (SIGSTOP) agent: its pods are replaced on the
// other nodes, the frozen node's containers are fenced, and after the node returns exactly six
// copies run. A StatefulSet's web-0 moves only after the fencing window and never runs twice.
// A merely slow agent (frozen in short bursts) is not evicted. A NoExecute taint added with
// kubectl evicts the pods that do not tolerate it, whatever its key. With --fencing-timeout 0 an
// agent that finds its node name taken over by another agent still stops its pods. A second agent claiming a live
// node's name is refused; the same agent restarting is accepted. `kubectl delete node` removes
// the node's pods at once.
//
// Every pod's process carries a marker and its pod name in its argv, so the test counts real
// processes (`ps`), not just API objects.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { eventually, type HaleAgent, type HaleServer, removePodCgroups, startAgent, startHale } from './harness.ts';

const marker = `hale-failover-e2e-${process.pid}`;
const cidrBase = `127.${101 + ((process.pid + 31) % 150)}`;
const NODES = ['n1', 'n2', 'n3'];

interface Pod {
  metadata: { name: string; uid: string; deletionTimestamp?: string };
  spec: { nodeName?: string };
  status: { conditions?: { type: string; status: string }[] };
}
interface Node {
  metadata: { name: string; annotations?: Record<string, string> };
  spec: { taints?: { key: string; effect: string }[] };
  status: { conditions?: { type: string; status: string; reason?: string }[] };
}

const isReady = (pod: Pod) =>
  !pod.metadata.deletionTimestamp && pod.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;

/** Pod name → the uids of the pods whose processes run (argv ends with marker, name, uid). */
function runningUids(): Map<string, string[]> {
  const out = execFileSync('ps', ['-eo', 'stat=,args='], { encoding: 'utf8' });
  const copies = new Map<string, string[]>();
  for (const line of out.split('\n')) {
    const [stat, ...args] = line.trim().split(/\s+/);
    const i = args.indexOf(marker);
    // Skip zombies and the shims (their argv may repeat the workload's).
    if (i < 0 || stat?.startsWith('Z') || !args[0]?.endsWith('node') || args[1] !== '-e') continue;
    const [pod, uid] = [args[i + 1], args[i + 2]];
    copies.set(pod, [...(copies.get(pod) ?? []), uid]);
  }
  return copies;
}

/** Pod name → how many live processes run it. */
function runningCopies(): Map<string, number> {
  return new Map([...runningUids()].map(([name, uids]) => [name, uids.length]));
}

function killMatching(pattern: string): void {
  try {
    execFileSync('pkill', ['-9', '-f', pattern]);
  } catch {
    // nothing matched
  }
}

const container = `      terminationGracePeriodSeconds: 2
      containers:
      - name: app
        image: hale.local/idle
        command: ["${process.execPath}", "-e", "setInterval(() => {}, 1 << 30)", "${marker}", "$(POD_NAME)", "$(POD_UID)"]
        env:
        - name: POD_NAME
          valueFrom: {fieldRef: {fieldPath: metadata.name}}
        - name: POD_UID
          valueFrom: {fieldRef: {fieldPath: metadata.uid}}
`;

describe('node failover with three agents and kubectl 1.33', () => {
  let hale: HaleServer;
  const agents = new Map<string, HaleAgent>();
  const podCidr = (node: string) => `${cidrBase}.${NODES.indexOf(node) + 1}.0/24`;

  const k = async (args: string[], opts: { stdin?: string } = {}) => {
    const r = await hale.kubectl('1.33', args, opts);
    if (r.code !== 0) assert.fail(`kubectl ${args.join(' ')} failed (${r.code}):\n${r.stderr}${r.stdout}`);
    return r.stdout;
  };
  const pods = async (selector: string): Promise<Pod[]> => JSON.parse(await k(['get', 'pods', '-l', selector, '-o', 'json'])).items;
  const node = async (name: string): Promise<Node> => JSON.parse(await k(['get', 'node', name, '-o', 'json']));
  const ready = (n: Node) => n.status.conditions?.find((c) => c.type === 'Ready')?.status;
  const hasTaint = (n: Node, key: string, effect: string) => n.spec.taints?.some((t) => t.key === key && t.effect === effect) === true;
  const eventsFor = async (name: string, reason: string) =>
    (
      JSON.parse(await k(['get', 'events', '-A', '--field-selector', `involvedObject.name=${name}`, '-o', 'json'])).items as {
        reason: string;
      }[]
    ).filter((e) => e.reason === reason).length;
  const joinNode = async (name: string, dataDir?: string) => {
    // A shorter fencing window than the default 20 s keeps the test quick.
    agents.set(
      name,
      await startAgent(hale, name, { podCidr: podCidr(name), extraArgs: ['--fencing-timeout', '10s'], ...(dataDir ? { dataDir } : {}) }),
    );
    try {
      await eventually(async () => ready(await node(name)) === 'True', 30_000, 250);
    } catch (err) {
      // The agent's own account of its start (the last lines of its log, any level), and what
      // the API server has: the Node's Ready condition and its Lease (is the agent writing?).
      const log = (agents.get(name)?.stderr() ?? '').trim().split('\n').slice(-30).join('\n');
      const condition = (await node(name).catch(() => undefined))?.status.conditions?.find((c) => c.type === 'Ready');
      const lease = await k(['get', 'lease', '-n', 'kube-node-lease', name, '-o', 'jsonpath={.spec}']).catch((e) => String(e));
      throw new Error(
        `${name} is not Ready: ${(err as Error).message}; Ready: ${JSON.stringify(condition)}; Lease: ${lease}; now ${new Date().toISOString()}; its agent's log ends with:\n${log}`,
      );
    }
  };
  /** Six Ready replicas of `app=web`, none on `avoid` (returns their pods). */
  const sixReadyAway = (avoid: string) =>
    eventually(
      async () => {
        const now = (await pods('app=web')).filter(isReady);
        return now.length === 6 && now.every((p) => p.spec.nodeName !== avoid) && now;
      },
      60_000,
      250,
    );

  before(async () => {
    hale = await startHale();
    for (const name of NODES) await joinNode(name);
  });

  after(async () => {
    if (!hale) return;
    for (const agent of agents.values()) agent.process.kill('SIGCONT');
    await hale.kubectl('1.33', ['delete', 'deploy,sts', '--all', '--wait=false']).catch(() => undefined);
    for (const agent of agents.values()) await agent.stop();
    await hale.stop();
    for (const dir of [hale.dataDir, ...[...agents.values()].map((a) => a.dataDir)]) killMatching(dir);
    killMatching(marker);
    for (const dir of [hale.dataDir, ...[...agents.values()].map((a) => a.dataDir)]) {
      await removePodCgroups(dir);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a second agent claiming a live node's name is refused; the same agent restarting is accepted", async () => {
    const impostorDir = mkdtempSync(join(tmpdir(), 'hale-e2e-impostor-'));
    try {
      await assert.rejects(
        startAgent(hale, 'n1', { podCidr: `${cidrBase}.9.0/24`, dataDir: impostorDir }),
        /already registered by another live agent/,
      );
    } finally {
      killMatching(impostorDir);
      rmSync(impostorDir, { recursive: true, force: true });
    }
    const n3 = agents.get('n3')!;
    await n3.stop();
    // Restarted at once on its own data dir, while its Lease is still live.
    await joinNode('n3', n3.dataDir);
  });

  test('a NoExecute taint added with kubectl evicts the pods that do not tolerate it, after their tolerationSeconds, whoever the key', async () => {
    // Four pods on n2; a finalizer keeps each evicted pod readable (its condition) once its agent has stopped it.
    const pinned = (name: string, tolerations: string) => `apiVersion: v1
kind: Pod
metadata: {name: ${name}, labels: {app: taint-e2e}, finalizers: [hale.dev/e2e-hold]}
spec:
      nodeName: n2
      tolerations: ${tolerations}
${container}`;
    const dedicated = (extra: string) => `{key: e2e-dedicated, operator: Exists, effect: NoExecute${extra}}`;
    const names = ['taint-intolerant', 'taint-delayed', 'taint-tolerant', 'taint-no-grace'];
    await k(['apply', '-f', '-'], {
      stdin: [
        pinned('taint-intolerant', '[]'),
        pinned('taint-delayed', `[${dedicated(', tolerationSeconds: 3')}]`),
        pinned('taint-tolerant', `[${dedicated('')}]`),
        pinned('taint-no-grace', '[{key: node.kubernetes.io/unreachable, operator: Exists, effect: NoExecute, tolerationSeconds: 0}]'),
      ].join('---\n'),
    });
    const pod = async (name: string) => JSON.parse(await k(['get', 'pod', name, '-o', 'json']));
    const evicted = (name: string) =>
      eventually(
        async () => {
          const p = await pod(name);
          return p.metadata.deletionTimestamp && p;
        },
        30_000,
        200,
      );
    const disruption = (p: { status: { conditions?: { type: string; reason?: string; lastTransitionTime?: string }[] } }) =>
      p.status.conditions?.find((c) => c.type === 'DisruptionTarget');
    const evictionMessages = async (name: string) =>
      (
        JSON.parse(await k(['get', 'events', '--field-selector', `involvedObject.name=${name},reason=TaintManagerEviction`, '-o', 'json']))
          .items as { message: string }[]
      ).map((e) => e.message);
    try {
      await eventually(async () => (await pods('app=taint-e2e')).filter(isReady).length === 4, 60_000, 250);

      // The node-lifecycle controller's own key, on a Ready node: the pod that does not tolerate
      // it goes; the controller then lifts the taint (the node is Ready), before the others'
      // 2 s default toleration runs out.
      await k(['taint', 'node', 'n2', 'node.kubernetes.io/unreachable:NoExecute']);
      const noGrace = await evicted('taint-no-grace');
      assert.equal(disruption(noGrace)?.reason, 'DeletionByTaintManager');
      assert.deepEqual(await evictionMessages('taint-no-grace'), ['Marking for deletion Pod default/taint-no-grace']);
      await eventually(async () => !hasTaint(await node('n2'), 'node.kubernetes.io/unreachable', 'NoExecute'), 30_000, 200);
      assert.equal(ready(await node('n2')), 'True');

      // Any other key stays until removed: at once without a toleration, after tolerationSeconds
      // with one, never with an unbounded one.
      const taintedAt = Date.now();
      await k(['taint', 'node', 'n2', 'e2e-dedicated=x:NoExecute']);
      const intolerant = await evicted('taint-intolerant');
      assert.equal(disruption(intolerant)?.reason, 'DeletionByTaintManager');
      // Its default unreachable toleration (2 s) may have scheduled an eviction under the first
      // taint, which the lift then called off, as Kubernetes' taint manager says.
      assert.deepEqual(
        (await evictionMessages('taint-intolerant')).filter((m) => m !== 'Cancelling deletion of Pod default/taint-intolerant'),
        ['Marking for deletion Pod default/taint-intolerant'],
      );
      const delayed = await evicted('taint-delayed');
      // Its condition's time is in whole seconds: no earlier than 3 s after the taint, less 1 s of rounding.
      assert.ok(Date.parse(disruption(delayed)?.lastTransitionTime ?? '') >= taintedAt + 2000, 'not before its tolerationSeconds');
      // Evicted pods stop on the node: the agent ran their termination.
      await eventually(async () => !runningCopies().has('taint-intolerant') && !runningCopies().has('taint-delayed'), 30_000, 250);
      const tolerant = await pod('taint-tolerant');
      assert.equal(tolerant.metadata.deletionTimestamp, undefined, 'tolerates the taint for ever, and outlived the unreachable one');
      assert.equal(runningCopies().get('taint-tolerant'), 1);
    } finally {
      await hale.kubectl('1.33', ['taint', 'node', 'n2', 'e2e-dedicated-']).catch(() => undefined);
      for (const name of names) {
        await hale
          .kubectl('1.33', ['patch', 'pod', name, '--type=json', '-p', '[{"op":"remove","path":"/metadata/finalizers"}]'])
          .catch(() => undefined);
      }
      await hale.kubectl('1.33', ['delete', 'pod', '-l', 'app=taint-e2e', '--wait=false']).catch(() => undefined);
    }
    await eventually(async () => (await pods('app=taint-e2e')).length === 0 && !(await node('n2')).spec.taints?.length, 30_000, 250);
  });

  test('kill -9 of an agent: its pods are replaced elsewhere, its node tainted, its old copies fenced', async () => {
    await k(['apply', '-f', '-'], {
      stdin: `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 6
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      topologySpreadConstraints:
      - {maxSkew: 1, topologyKey: kubernetes.io/hostname, whenUnsatisfiable: ScheduleAnyway, labelSelector: {matchLabels: {app: web}}}
${container}`,
    });
    const placed = await sixReadyAway('');
    const onN1 = placed.filter((p) => p.spec.nodeName === 'n1').map((p) => p.metadata.name);
    assert.ok(onN1.length > 0, `pods spread over the nodes: ${placed.map((p) => p.spec.nodeName).join(',')}`);
    // Pods got Hale's default tolerations from the admission plugin.
    const tolerations = JSON.parse(await k(['get', 'pod', onN1[0], '-o', 'jsonpath={.spec.tolerations}']));
    assert.ok(
      tolerations.some(
        (t: { key: string; tolerationSeconds: number }) => t.key === 'node.kubernetes.io/unreachable' && t.tolerationSeconds === 2,
      ),
    );

    agents.get('n1')!.process.kill('SIGKILL');
    const n1 = await eventually(
      async () => {
        const n = await node('n1');
        return ready(n) === 'Unknown' && hasTaint(n, 'node.kubernetes.io/unreachable', 'NoExecute') && n;
      },
      30_000,
      100,
    );
    assert.equal(n1.status.conditions?.find((c) => c.type === 'Ready')?.reason, 'NodeStatusUnknown');
    assert.ok(hasTaint(n1, 'node.kubernetes.io/unreachable', 'NoSchedule'));
    await sixReadyAway('n1');
    assert.ok((await eventsFor(onN1[0], 'TaintManagerEviction')) > 0, 'TaintManagerEviction recorded');
    assert.ok((await eventsFor('n1', 'NodeNotReady')) > 0, 'NodeNotReady recorded');

    // The dead agent's watchdog fences its containers; once the fencing window has passed the
    // old pod objects are force-deleted.
    await eventually(async () => onN1.every((name) => !runningCopies().has(name)), 40_000, 250);
    await eventually(async () => (await pods('app=web')).every((p) => p.spec.nodeName !== 'n1'), 40_000, 250);
    const copies = runningCopies();
    const current = (await pods('app=web')).map((p) => p.metadata.name).sort();
    assert.deepEqual([...copies.keys()].filter((n) => n.startsWith('web-') && !n.startsWith('web-0')).sort(), current);

    // The node returns (same data dir): Ready again, taints gone.
    await joinNode('n1', agents.get('n1')!.dataDir);
    await eventually(async () => !(await node('n1')).spec.taints?.length, 30_000, 250);
  });

  test('a frozen agent (SIGSTOP): pods fenced and replaced; after SIGCONT exactly six copies run', async () => {
    const before = (await pods('app=web')).filter((p) => p.spec.nodeName === 'n2').map((p) => p.metadata.name);
    assert.ok(before.length > 0);
    const n2 = agents.get('n2')!;
    n2.process.kill('SIGSTOP');
    try {
      await sixReadyAway('n2');
      // Frozen, the agent cannot act: its watchdog kills the containers after the fencing timeout.
      await eventually(async () => before.every((name) => !runningCopies().has(name)), 40_000, 250);
    } finally {
      n2.process.kill('SIGCONT');
    }
    await eventually(async () => ready(await node('n2')) === 'True' && !(await node('n2')).spec.taints?.length, 30_000, 250);
    const settled = await eventually(
      async () => {
        const now = (await pods('app=web'))
          .filter(isReady)
          .map((p) => p.metadata.name)
          .sort();
        const copies = runningCopies();
        const running = [...copies.keys()].filter((n) => now.includes(n) || before.includes(n)).sort();
        return now.length === 6 && JSON.stringify(running) === JSON.stringify(now) && [...copies.values()].every((c) => c === 1) && now;
      },
      40_000,
      250,
    );
    assert.equal(settled.length, 6);
  });

  test('a StatefulSet pod moves only after the fencing window and never runs twice', async () => {
    await k(['apply', '-f', '-'], {
      stdin: `apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  replicas: 1
  serviceName: db
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
${container}`,
    });
    const first = await eventually(async () => (await pods('app=db')).find(isReady), 60_000, 250);
    const oldNode = first.spec.nodeName!;
    const agent = agents.get(oldNode)!;
    agent.process.kill('SIGSTOP');
    // Sample the processes every 50 ms while db-0 moves: never two copies at once, and the
    // old one gone before the new one starts.
    let most = 0;
    let newWhileOld = false;
    const sampler = setInterval(() => {
      const uids = runningUids().get('db-0') ?? [];
      most = Math.max(most, uids.length);
      if (uids.length > 1 || (uids.includes(first.metadata.uid) && uids.some((u) => u !== first.metadata.uid))) newWhileOld = true;
    }, 50);
    try {
      const moved = await eventually(
        async () => {
          const pod = (await pods('app=db')).find((p) => p.metadata.uid !== first.metadata.uid);
          return pod && isReady(pod) && pod;
        },
        60_000,
        100,
      );
      assert.notEqual(moved.spec.nodeName, oldNode);
      assert.deepEqual(runningUids().get('db-0'), [moved.metadata.uid]);
      assert.equal(newWhileOld, false, 'the new db-0 never ran beside the old one');
      assert.ok(most <= 1, `db-0 ran ${most} times at once`);
    } finally {
      clearInterval(sampler);
      agent.process.kill('SIGCONT');
    }
    await eventually(async () => ready(await node(oldNode)) === 'True', 30_000, 250);
    await eventually(async () => runningCopies().get('db-0') === 1, 30_000, 250);
    assert.equal(runningCopies().get('db-0'), 1);
  });

  test('a slow agent (frozen in short bursts) is not marked Unknown and keeps its pods', async () => {
    const agent = agents.get('n3')!;
    const uids = (await pods('app=web')).filter((p) => p.spec.nodeName === 'n3').map((p) => p.metadata.uid);
    const notReadyBefore = await eventsFor('n3', 'NodeNotReady');
    let sawUnknown = false;
    const watcher = (async () => {
      const until = Date.now() + 12_000;
      while (Date.now() < until) {
        if (ready(await node('n3')) !== 'True') sawUnknown = true;
        await new Promise((r) => setTimeout(r, 200));
      }
    })();
    // 0.6 s frozen in every 1.8 s: renewals arrive up to ~1.6 s apart instead of 1 s, plus
    // the time a thawed agent takes to send one and the API server to pass it on. The
    // detector never suspects a node silent for less than 2 s; with 0.9 s frozen the margin
    // was ~0.1 s, which a loaded machine used up once in a few runs.
    for (let i = 0; i < 6; i++) {
      agent.process.kill('SIGSTOP');
      await new Promise((r) => setTimeout(r, 600));
      agent.process.kill('SIGCONT');
      await new Promise((r) => setTimeout(r, 1200));
    }
    await watcher;
    assert.equal(sawUnknown, false, 'n3 stayed Ready');
    assert.equal(await eventsFor('n3', 'NodeNotReady'), notReadyBefore);
    const after = (await pods('app=web')).filter((p) => p.spec.nodeName === 'n3');
    assert.deepEqual(after.map((p) => p.metadata.uid).sort(), uids.sort());
    assert.ok(after.every((p) => !p.metadata.deletionTimestamp));
  });
  test('--fencing-timeout 0: an agent that finds its node name taken over stops its pods at once', async () => {
    // n4's agent does not fence on silence: frozen past its Lease, its pod keeps running.
    const extraArgs = ['--fencing-timeout', '0'];
    const old = await startAgent(hale, 'n4', { podCidr: `${cidrBase}.4.0/24`, extraArgs });
    agents.set('n4', old);
    await eventually(async () => ready(await node('n4')) === 'True', 30_000, 250);
    assert.equal((await node('n4')).metadata.annotations?.['hale.dev/fencing-timeout-seconds'], undefined);
    // Tolerates the node's taints for ever: only the agents decide where it runs.
    await k(['apply', '-f', '-'], {
      stdin: `apiVersion: v1
kind: Pod
metadata: {name: solo}
spec:
      nodeName: n4
      tolerations: [{operator: Exists, effect: NoExecute}]
${container}`,
    });
    await eventually(async () => runningCopies().get('solo') === 1, 60_000, 250);

    old.process.kill('SIGSTOP');
    let replacement: HaleAgent | undefined;
    try {
      // Once its Lease has expired a new agent (another data dir) takes the name over at once,
      // and starts the pod too: nothing bounds how long the frozen copy runs.
      await eventually(
        async () => {
          const lease = JSON.parse(await k(['get', 'lease', '-n', 'kube-node-lease', 'n4', '-o', 'json']));
          return Date.now() - Date.parse(lease.spec.renewTime) > lease.spec.leaseDurationSeconds * 1000 + 500;
        },
        30_000,
        250,
      );
      replacement = await startAgent(hale, 'n4', { podCidr: `${cidrBase}.5.0/24`, extraArgs });
      agents.set('n4-replacement', replacement);
      await eventually(async () => runningCopies().get('solo') === 2, 60_000, 250);
      assert.match(replacement.stderr(), /does not fence itself \(--fencing-timeout 0\)/);
    } finally {
      old.process.kill('SIGCONT');
    }
    // Thawed, the old agent finds the Lease (or the Node) held by the new one and stops its copy.
    await eventually(async () => runningCopies().get('solo') === 1, 30_000, 250);
    assert.match(old.stderr(), /another agent has taken over this node name/);
    await k(['delete', 'pod', 'solo', '--wait=false']);
    await eventually(async () => !runningCopies().has('solo'), 30_000, 250);
    await replacement?.stop();
    await old.stop();
    await k(['delete', 'node', 'n4']);
  });

  test('kubectl delete node: its pods are removed at once and replaced', async () => {
    const before = (await pods('app=web')).filter((p) => p.spec.nodeName === 'n3').map((p) => p.metadata.uid);
    assert.ok(before.length > 0);
    await k(['delete', 'node', 'n3']);
    // The pod garbage collector force-deletes them; the live agent registers n3 again and
    // stops their containers.
    await eventually(
      async () => {
        const now = await pods('app=web');
        return now.every((p) => !before.includes(p.metadata.uid)) && now.filter(isReady).length === 6;
      },
      60_000,
      250,
    );
    await eventually(async () => ready(await node('n3')) === 'True', 30_000, 250);
    await eventually(
      async () => {
        const names = (await pods('app=web')).map((p) => p.metadata.name);
        const copies = runningCopies();
        return names.every((n) => copies.get(n) === 1) && [...copies.keys()].filter((n) => n.startsWith('web-')).length === 6;
      },
      30_000,
      250,
    );
  });
});
