// The isolated pod network end to end: a `hale server` (node pn0) and a `hale agent` (pn1) on
// this machine, both in isolated mode with a cluster CIDR of the test's own, driven by the
// real kubectl 1.33. Pods get addresses from their node's podCIDR, reach each other across
// the two bridges, see their own /etc/hosts; a killed agent's leftovers are removed at its
// next start; nothing (netns, veth, bridge, rule, route) is left once pods and agents stop.
// Needs root and iproute2; every test object is removed in `after` even when a test fails.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { bridgeName, netnsPrefix, nodeNetworkKey } from '../../src/agent/network/names.ts';
import { eventually, type HaleAgent, type HaleServer, removePodCgroups, startAgent, startHale, stopHale } from './harness.ts';

const flakyServer = resolve(fileURLToPath(import.meta.url), '../../apps/flaky-server.js');
const marker = `hale-podnet-e2e-${process.pid}`;
// A cluster CIDR no other test on this machine uses (10.150–10.199, by pid).
const clusterCidr = `10.${150 + (process.pid % 50)}.0.0/16`;
const skip = process.getuid?.() !== 0 || !ipWorks() ? 'needs root and iproute2' : false;

function ipWorks(): boolean {
  try {
    execFileSync('ip', ['netns', 'list']);
    return true;
  } catch {
    return false;
  }
}

const ip = (...args: string[]) => execFileSync('ip', args, { encoding: 'utf8' });
const quietly = (fn: () => unknown) => {
  try {
    fn();
  } catch {
    // already gone
  }
};

/** Everything the pod network of node `key` may have left on the host. */
function leftovers(key: string): string[] {
  const found: string[] = [];
  for (const ns of ip('netns', 'list').split('\n')) if (ns.startsWith(netnsPrefix(key))) found.push(`netns ${ns.split(' ')[0]}`);
  if (ip('-o', 'link', 'show').includes(`${bridgeName(key)}:`)) found.push(`bridge ${bridgeName(key)}`);
  if (ip('rule', 'show').includes(bridgeName(key))) found.push(`rules of ${bridgeName(key)}`);
  return found;
}

function removeLeftovers(key: string): void {
  for (const ns of ip('netns', 'list').split('\n'))
    if (ns.startsWith(netnsPrefix(key))) quietly(() => ip('netns', 'delete', ns.split(' ')[0]));
  quietly(() => ip('link', 'delete', bridgeName(key)));
  for (let i = 0; i < 8; i++) quietly(() => ip('rule', 'del', 'iif', bridgeName(key)));
}

const podYaml = (name: string, nodeName: string) => `apiVersion: v1
kind: Pod
metadata: {name: ${name}}
spec:
  nodeName: ${nodeName}
  terminationGracePeriodSeconds: 1
  containers:
  - name: app
    image: hale.local/flaky-server
    command: ["${process.execPath}", "${flakyServer}", "${marker}-${name}"]
    env: [{name: PORT, value: "8080"}]
    readinessProbe:
      httpGet: {path: /healthz, port: 8080}
      periodSeconds: 1
`;

interface Pod {
  status: { podIP?: string; conditions?: { type: string; status: string }[] };
}

describe('isolated pod network across two nodes with kubectl 1.33', { skip }, () => {
  let hale: HaleServer;
  let agent: HaleAgent | undefined;
  const agentDataDir = mkdtempSync(join(tmpdir(), 'hale-e2e-podnet-agent-'));
  const nodes = { server: `pn0-${process.pid}`, agent: `pn1-${process.pid}` };
  const keys: string[] = [nodeNetworkKey(nodes.agent, agentDataDir)];
  const networkArgs = ['--network-mode', 'isolated', '--cluster-cidr', clusterCidr];

  const k = async (args: string[], opts: { stdin?: string } = {}) => {
    const r = await hale.kubectl('1.33', args, opts);
    if (r.code !== 0) assert.fail(`kubectl ${args.join(' ')} failed (${r.code}):\n${r.stderr}${r.stdout}`);
    return r.stdout;
  };
  const podCidrOf = async (node: string) => (await k(['get', 'node', node, '-o', 'jsonpath={.spec.podCIDR}'])).trim();
  const readyPod = (name: string) =>
    eventually(async () => {
      const pod = JSON.parse(await k(['get', 'pod', name, '-o', 'json'])) as Pod;
      return pod.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') && pod.status.podIP;
    }, 60_000);
  const startPn1 = () => startAgent(hale, nodes.agent, { dataDir: agentDataDir, extraArgs: networkArgs });

  before(async () => {
    hale = await startHale({ withAgent: true, extraArgs: ['--node-name', nodes.server, ...networkArgs] });
    keys.push(nodeNetworkKey(nodes.server, join(hale.dataDir, 'agent')));
    agent = await startPn1();
  });

  after(async () => {
    await agent?.stop().catch(() => {});
    await stopHale(hale, true).catch(() => {});
    quietly(() => execFileSync('pkill', ['-9', '-f', marker]));
    if (hale) quietly(() => execFileSync('pkill', ['-9', '-f', hale.dataDir]));
    quietly(() => execFileSync('pkill', ['-9', '-f', agentDataDir]));
    for (const key of keys) removeLeftovers(key);
    quietly(() => ip('route', 'delete', 'unreachable', clusterCidr));
    for (const dir of [hale?.dataDir, agentDataDir]) {
      if (!dir) continue;
      await removePodCgroups(dir);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('pods get addresses from their node podCIDR and reach each other across nodes', async () => {
    const cidrs = await eventually(async () => {
      const both = [await podCidrOf(nodes.server), await podCidrOf(nodes.agent)];
      return both.every(Boolean) && both;
    }, 30_000);
    assert.notEqual(cidrs[0], cidrs[1]);
    await k(['apply', '-f', '-'], { stdin: `${podYaml('pa', nodes.server)}---\n${podYaml('pb', nodes.agent)}` });
    const [ipA, ipB] = await Promise.all([readyPod('pa'), readyPod('pb')]);
    const within = (podIp: string, cidr: string) => podIp.startsWith(`${cidr.split('.').slice(0, 3).join('.')}.`);
    assert.ok(within(ipA, cidrs[0]), `${ipA} is in ${cidrs[0]}`);
    assert.ok(within(ipB, cidrs[1]), `${ipB} is in ${cidrs[1]}`);

    // From inside pa (its own network namespace), across the bridges to pb.
    const fetchScript = `fetch('http://${ipB}:8080/').then((r) => r.text()).then((t) => console.log(t), (e) => { console.error(String(e.cause ?? e)); process.exit(1); })`;
    assert.match(await k(['exec', 'pa', '--', process.execPath, '-e', fetchScript]), /^hello from /);
    // pa's network namespace has only its own address.
    const addresses = await k(['exec', 'pa', '--', 'ip', '-o', '-4', 'addr', 'show', 'dev', 'eth0']);
    assert.match(addresses, new RegExp(`inet ${ipA.replaceAll('.', '\\.')}/`));
  });

  test('kubectl exec shows the pod its own /etc/hosts', async () => {
    const hosts = await k(['exec', 'pa', '--', 'cat', '/etc/hosts']);
    assert.match(hosts, /^# Kubernetes-managed hosts file\./);
    const ipA = JSON.parse(await k(['get', 'pod', 'pa', '-o', 'json'])).status.podIP;
    assert.ok(hosts.includes(`${ipA}\tpa\n`), hosts);
  });

  test("a killed agent's leftovers are removed when it starts again", async () => {
    const key = nodeNetworkKey(nodes.agent, agentDataDir);
    assert.equal(leftovers(key).filter((l) => l.startsWith('netns')).length, 1);
    agent!.process.kill('SIGKILL');
    await new Promise((r) => agent!.process.once('exit', r));
    agent = undefined;
    // While it is down its pod is deleted for good, and a crash left a half-made namespace.
    quietly(() => execFileSync('pkill', ['-9', '-f', `${marker}-pb`]));
    await k(['delete', 'pod', 'pb', '--force', '--grace-period=0']);
    ip('netns', 'add', `${netnsPrefix(key)}deadbeefdeadbeef`);
    agent = await startPn1();
    // The namespaces go; the bridge and its rules are set up again for the node's next pods.
    const expected = [`bridge ${bridgeName(key)}`, `rules of ${bridgeName(key)}`];
    await eventually(async () => JSON.stringify(leftovers(key)) === JSON.stringify(expected), 30_000);
  });

  test('netns, veths, bridges, rules and the cluster route are gone once pods and agents stop', async () => {
    await k(['delete', 'pod', 'pa', '--wait=true']);
    const serverKey = keys[1];
    await eventually(async () => leftovers(serverKey).every((l) => !l.startsWith('netns')) || undefined, 30_000);
    await agent!.stop();
    agent = undefined;
    await hale.stop();
    for (const key of keys) assert.deepEqual(leftovers(key), [], `leftovers of ${key}`);
    assert.ok(!ip('route', 'show').includes(clusterCidr), 'the unreachable route for the cluster CIDR is removed');
  });
});
