// Two "hosts" on one LAN: node network namespaces joined by a veth pair, each with a pod
// bridge and a pod namespace behind it set up as isolated-network.ts does it. NodeRoutes
// runs against each node namespace (its `ip` and /proc/sys go through `ip -n` / `ip netns
// exec`), and pods must reach each other across the LAN while the uplink forwards nothing
// else. Root only; every namespace (and with it every device, route and rule) is removed.
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { after, test } from 'node:test';
import { promisify } from 'node:util';
import type { IpRunner } from './ip-command.ts';
import { IpCommandError, ipWorks } from './ip-command.ts';
import { NodeRoutes, POD_ROUTE_PROTO, type SysctlAccess } from './node-routes.ts';

const execFileAsync = promisify(execFile);
const skip = process.getuid?.() !== 0 || !(await ipWorks()) ? 'needs root and iproute2' : false;

const tag = `hnr${process.pid}`;
const ns = { a: `${tag}a`, b: `${tag}b`, podA: `${tag}pa`, podB: `${tag}pb`, outside: `${tag}x` };
const clusterCidr = '10.210.0.0/16';
const serviceCidr = '10.211.0.0/16';
const nodes = {
  a: { bridge: 'haleaaaaaaaa', podCidr: '10.210.0.0/24', gateway: '10.210.0.1', pod: '10.210.0.2', lan: '192.168.50.1' },
  b: { bridge: 'halebbbbbbbb', podCidr: '10.210.1.0/24', gateway: '10.210.1.1', pod: '10.210.1.2', lan: '192.168.50.2' },
};
const nodeObjects = Object.entries(nodes).map(([name, n]) => ({
  metadata: { name },
  spec: { podCIDR: n.podCidr },
  status: { addresses: [{ type: 'InternalIP', address: n.lan }] },
}));
const servers: ChildProcess[] = [];
// An ICMP "unreachable" from a route or rule: refused at once, never a timeout.
const UNREACHABLE = /^E(HOST|NET)UNREACH$/;

async function sh(file: string, args: string[]): Promise<string> {
  return (await execFileAsync(file, args, { encoding: 'utf8', timeout: 10_000 })).stdout;
}

/** `ip` inside a namespace, failing like ip-command.ts does. */
const ipIn =
  (netns: string): IpRunner =>
  async (args) => {
    try {
      return await sh('ip', ['-n', netns, ...args]);
    } catch (err) {
      throw new IpCommandError(args, (err as { stderr?: string }).stderr ?? String(err));
    }
  };

const sysctlIn = (netns: string): SysctlAccess => ({
  read: (key) => sh('ip', ['netns', 'exec', netns, 'cat', `/proc/sys/${key}`]),
  write: async (key, value) => {
    await sh('ip', ['netns', 'exec', netns, 'sh', '-c', 'printf %s "$2" > "/proc/sys/$1"', 'sh', key, value]);
  },
});

/** A node namespace's pod bridge, its rules and one pod behind it, as isolated-network.ts makes them. */
async function podNetwork(node: 'a' | 'b', podNs: string): Promise<void> {
  const n = nodes[node];
  const run = ipIn(ns[node]);
  await run(['link', 'add', n.bridge, 'type', 'bridge']);
  await run(['addr', 'add', `${n.gateway}/24`, 'dev', n.bridge]);
  await run(['link', 'set', n.bridge, 'up']);
  await sysctlIn(ns[node]).write(`net/ipv4/conf/${n.bridge}/forwarding`, '1');
  await run(['rule', 'add', 'pref', '5200', 'iif', n.bridge, 'to', clusterCidr, 'lookup', 'main']);
  await run(['rule', 'add', 'pref', '5200', 'iif', n.bridge, 'to', serviceCidr, 'lookup', 'main']);
  await run(['rule', 'add', 'pref', '5201', 'iif', n.bridge, 'unreachable']);
  await run(['route', 'add', 'unreachable', clusterCidr]);
  await run(['link', 'add', 'vpod', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', podNs]);
  await run(['link', 'set', 'vpod', 'master', n.bridge, 'up']);
  const pod = ipIn(podNs);
  await pod(['link', 'set', 'lo', 'up']);
  await pod(['addr', 'add', `${n.pod}/24`, 'dev', 'eth0']);
  await pod(['link', 'set', 'eth0', 'up']);
  await pod(['route', 'add', 'default', 'via', n.gateway]);
}

async function setUpHosts(): Promise<void> {
  for (const name of Object.values(ns)) await sh('ip', ['netns', 'add', name]);
  for (const node of ['a', 'b'] as const) {
    await ipIn(ns[node])(['link', 'set', 'lo', 'up']);
    // Strict reverse-path filtering, as many distributions ship it: pod traffic must pass it.
    await sysctlIn(ns[node]).write('net/ipv4/conf/all/rp_filter', '1');
    await sysctlIn(ns[node]).write('net/ipv4/conf/default/rp_filter', '1');
  }
  // The LAN: one veth pair, "uplink" in both node namespaces.
  await ipIn(ns.a)(['link', 'add', 'uplink', 'type', 'veth', 'peer', 'name', 'uplink', 'netns', ns.b]);
  for (const node of ['a', 'b'] as const) {
    await ipIn(ns[node])(['addr', 'add', `${nodes[node].lan}/24`, 'dev', 'uplink']);
    await ipIn(ns[node])(['link', 'set', 'uplink', 'up']);
  }
  await podNetwork('a', ns.podA);
  await podNetwork('b', ns.podB);
  // A network behind node b that is not a pod range. Node b forwards its traffic (so replies
  // could come back), and node a routes it via b, as a host on the LAN trying to use b as a router would.
  const b = ipIn(ns.b);
  await b(['link', 'add', 'vout', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns.outside]);
  await b(['addr', 'add', '172.31.9.1/24', 'dev', 'vout']);
  await b(['link', 'set', 'vout', 'up']);
  await sysctlIn(ns.b).write('net/ipv4/conf/vout/forwarding', '1');
  const out = ipIn(ns.outside);
  await out(['link', 'set', 'lo', 'up']);
  await out(['addr', 'add', '172.31.9.2/24', 'dev', 'eth0']);
  await out(['link', 'set', 'eth0', 'up']);
  await out(['route', 'add', 'default', 'via', '172.31.9.1']);
  await ipIn(ns.a)(['route', 'add', '172.31.9.0/24', 'via', nodes.b.lan]);
}

after(async () => {
  for (const s of servers) s.kill('SIGKILL');
  if (skip) return;
  for (const name of Object.values(ns)) await sh('ip', ['netns', 'delete', name]).catch(() => undefined);
});

/** A TCP server in a namespace that answers "pong from NAME". */
async function serveIn(netns: string, name: string, port: number): Promise<void> {
  const child = spawn('nsenter', [
    `--net=/run/netns/${netns}`,
    process.execPath,
    '-e',
    `require('net').createServer((s) => s.end('pong from ${name}')).listen(${port}, '0.0.0.0', () => console.log('up'))`,
  ]);
  servers.push(child);
  await new Promise((resolve, reject) => {
    child.stdout.once('data', resolve);
    child.once('exit', reject);
  });
}

/** Connects from inside a namespace: what the server sent, or the error code (EHOSTUNREACH...). */
async function fetchFrom(netns: string, host: string, port: number): Promise<string> {
  const script = `require('net').connect(${port}, '${host}').setTimeout(5000, function () { console.log('timeout'); process.exit(0); })
    .on('data', (d) => { process.stdout.write(d); process.exit(0); }).on('error', (e) => { console.log(e.code); process.exit(0); })`;
  return (await sh('nsenter', [`--net=/run/netns/${netns}`, process.execPath, '-e', script])).trim();
}

test('pods on two hosts of one LAN reach each other; the uplink forwards nothing else; all is undone', {
  skip,
  timeout: 120_000,
}, async () => {
  await setUpHosts();
  const routesOf = (node: 'a' | 'b') =>
    new NodeRoutes({
      nodeName: node,
      bridge: nodes[node].bridge,
      podCidr: nodes[node].podCidr,
      clusterCidr,
      run: ipIn(ns[node]),
      sysctl: sysctlIn(ns[node]),
    });
  const routesA = routesOf('a');
  const routesB = routesOf('b');
  await serveIn(ns.podA, 'pod a', 8080);
  await serveIn(ns.podB, 'pod b', 8080);
  await serveIn(ns.outside, 'outside', 8080);

  // Before: no route between the hosts' pod ranges.
  assert.match(await fetchFrom(ns.podA, nodes.b.pod, 8080), UNREACHABLE);

  await routesA.sync(nodeObjects);
  await routesB.sync(nodeObjects);
  assert.match(await ipIn(ns.a)(['route', 'show', 'proto', POD_ROUTE_PROTO]), /^10\.210\.1\.0\/24 via 192\.168\.50\.2 dev uplink/);
  assert.equal((await sysctlIn(ns.b).read('net/ipv4/conf/uplink/forwarding')).trim(), '1');

  // Pod to pod across the LAN, both ways, and a node's own process (a proxy) to a pod on the other host.
  assert.equal(await fetchFrom(ns.podA, nodes.b.pod, 8080), 'pong from pod b');
  assert.equal(await fetchFrom(ns.podB, nodes.a.pod, 8080), 'pong from pod a');
  assert.equal(await fetchFrom(ns.a, nodes.b.pod, 8080), 'pong from pod b');

  // Node b forwards from the uplink only to its pod range: not to the network behind it...
  assert.match(await fetchFrom(ns.a, '172.31.9.2', 8080), UNREACHABLE);
  // ...which it would, forwarding being on, without the uplink's unreachable rule (the check can fail).
  await ipIn(ns.b)(['rule', 'del', 'pref', '5201', 'iif', 'uplink', 'unreachable']);
  assert.equal(await fetchFrom(ns.a, '172.31.9.2', 8080), 'pong from outside');
  await ipIn(ns.b)(['rule', 'add', 'pref', '5201', 'iif', 'uplink', 'unreachable']);
  assert.match(await fetchFrom(ns.a, '172.31.9.2', 8080), UNREACHABLE);

  // Node b goes away from node a's view: its route and rules go, forwarding goes back off.
  await routesA.sync(nodeObjects.slice(0, 1));
  assert.equal(await ipIn(ns.a)(['route', 'show', 'proto', POD_ROUTE_PROTO]), '');
  assert.equal((await sysctlIn(ns.a).read('net/ipv4/conf/uplink/forwarding')).trim(), '0');
  assert.match(await fetchFrom(ns.podA, nodes.b.pod, 8080), UNREACHABLE);

  // At stop with the bridge gone, everything node b's reconciler added is undone.
  await routesB.removeAll();
  assert.equal(await ipIn(ns.b)(['route', 'show', 'proto', POD_ROUTE_PROTO]), '');
  assert.equal((await sysctlIn(ns.b).read('net/ipv4/conf/uplink/forwarding')).trim(), '0');
  const rulesB = await ipIn(ns.b)(['rule', 'show']);
  assert.ok(!rulesB.includes('uplink') && !rulesB.includes(nodes.a.lan), rulesB);
  assert.equal((rulesB.match(new RegExp(`iif ${nodes.b.bridge}`, 'g')) ?? []).length, 3, 'the bridge keeps its own three rules');
});
