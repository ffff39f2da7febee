// A LAN of "machines" on this host for e2e tests: a bridge in the host network namespace
// (holding the LAN's first address, where `hale server` listens) and one network namespace
// per node, each joined to the bridge by a veth pair (the node's end is its eth0, with an
// address on the LAN, `lo` up and a default route via the bridge address). Agents run inside
// with `startAgent(…, {netns})`. A node is partitioned by taking the host end of its veth
// down: its packets go nowhere, and TCP connections hang rather than fail, as on a real LAN.
//
// Names carry the test's pid, the LAN's /24 is derived from it (the first free 10.251.x.0/24
// from x = pid % 250: no other test uses 10.251/16), and destroy() removes everything, also
// what the agents created inside.
import { execFileSync, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { netnsPrefix } from '../../src/agent/network/names.ts';
import { registryDirOf } from '../../src/proxy/service-routes.ts';

const ip = (...args: string[]) => execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const quietly = (fn: () => unknown) => {
  try {
    fn();
  } catch {
    // already gone
  }
};

export interface LanNode {
  name: string;
  /** Its network namespace (/run/netns/NAME). */
  netns: string;
  /** The host end of its veth pair (on the bridge). */
  hostVeth: string;
  /** Its eth0 address: the Node's InternalIP. */
  address: string;
}

export interface NodeLan {
  bridge: string;
  /** The bridge's address: where the API server listens. */
  gateway: string;
  subnet: string;
  nodes: Map<string, LanNode>;
  /** Cuts a node off the LAN (host end of its veth down) or reconnects it. */
  partition(node: string): void;
  heal(node: string): void;
  /**
   * Removes the pod namespaces of the given agents' network keys, every process left in the
   * node namespaces, the namespaces, veths, the bridge and the proxy registry folders.
   */
  destroy(podNetworkKeys: string[]): void;
}

/** Whether this process may build a LAN (root, iproute2, nsenter). */
export function canBuildNodeLan(): boolean {
  if (process.getuid?.() !== 0) return false;
  try {
    execFileSync('ip', ['netns', 'list']);
    execFileSync('nsenter', ['--version']);
    return true;
  } catch {
    return false;
  }
}

/** "10.251.N" for the first /24 from N = pid % 250 on that no route covers yet. */
function freeLanPrefix(id: number): string {
  for (let i = 0; i < 250; i++) {
    const base = `10.251.${(id + i) % 250}`;
    if (!ip('route', 'show', 'match', `${base}.0/24`).includes(`${base}.0/24`)) return base;
  }
  throw new Error('no free /24 in 10.251.0.0/16 for a test LAN');
}

export function createNodeLan(nodeNames: string[]): NodeLan {
  const id = process.pid;
  const base = freeLanPrefix(id);
  // Sorts after eth*/en*: an agent of another test in the host namespace takes the first
  // non-loopback address (by interface name) as its InternalIP, and must not take ours.
  const bridge = `zlan${id}`;
  const gateway = `${base}.1`;
  const nodes = new Map<string, LanNode>();
  for (const [i, name] of nodeNames.entries()) {
    nodes.set(name, { name, netns: `hale-lan-${id}-${name}`, hostVeth: `hlv${id}x${i}`, address: `${base}.${11 + i}` });
  }
  const lan: NodeLan = {
    bridge,
    gateway,
    subnet: `${base}.0/24`,
    nodes,
    partition: (node) => ip('link', 'set', nodes.get(node)!.hostVeth, 'down'),
    heal: (node) => ip('link', 'set', nodes.get(node)!.hostVeth, 'up'),
    destroy(podNetworkKeys) {
      for (const node of nodes.values()) {
        // Agents, shims, pods and watchdogs that still run in the node: nothing may outlive it.
        quietly(() => {
          for (const pid of ip('netns', 'pids', node.netns).split('\n').filter(Boolean))
            quietly(() => process.kill(Number(pid), 'SIGKILL'));
        });
        quietly(() => rmSync(registryDirOf(`/run/netns/${node.netns}`), { recursive: true, force: true }));
        quietly(() => ip('netns', 'delete', node.netns));
        quietly(() => ip('link', 'delete', node.hostVeth));
      }
      const prefixes = podNetworkKeys.map(netnsPrefix);
      for (const line of ip('netns', 'list').split('\n')) {
        const ns = line.split(' ')[0];
        if (ns && prefixes.some((p) => ns.startsWith(p))) quietly(() => ip('netns', 'delete', ns));
      }
      quietly(() => ip('link', 'delete', bridge));
    },
  };
  try {
    ip('link', 'add', bridge, 'type', 'bridge');
    ip('addr', 'add', `${gateway}/24`, 'dev', bridge);
    ip('link', 'set', bridge, 'up');
    for (const node of nodes.values()) {
      ip('netns', 'add', node.netns);
      ip('link', 'add', node.hostVeth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', node.netns);
      ip('link', 'set', node.hostVeth, 'master', bridge, 'up');
      ip('-n', node.netns, 'link', 'set', 'lo', 'up');
      ip('-n', node.netns, 'addr', 'add', `${node.address}/24`, 'dev', 'eth0');
      ip('-n', node.netns, 'link', 'set', 'eth0', 'up');
      ip('-n', node.netns, 'route', 'add', 'default', 'via', gateway, 'dev', 'eth0');
    }
  } catch (err) {
    lan.destroy([]);
    throw err;
  }
  return lan;
}

export interface ClientResult {
  /** Order in which the request was started (0, 1, …). */
  seq: number;
  ok: boolean;
  /** How many requests had been started when this one ended: the client's own clock. */
  endTick: number;
  /** The answer's first line, or the error. */
  detail: string;
}

export interface ServiceClient {
  /** Results so far (in completion order). */
  results(): ClientResult[];
  /** Stops starting requests, waits for those in flight, returns every result. */
  stop(): Promise<ClientResult[]>;
}

// Inside the node: a new connection per request, one started every INTERVAL ms whatever the
// others are doing, each with a timeout well above the proxy's 3 s connect timeout (after
// which it tries another backend). One JSON line per finished request.
const clientScript = `
const http = require('node:http');
const [host, port, interval, timeout] = process.argv.slice(1);
let seq = 0, pending = 0, stopping = false;
const report = (r) => process.stdout.write(JSON.stringify({ ...r, endTick: seq }) + '\\n');
const finish = () => { if (stopping && pending === 0) process.exit(0); };
const one = () => {
  const mine = seq++;
  pending++;
  let done = false;
  const end = (ok, detail) => { if (done) return; done = true; pending--; report({ seq: mine, ok, detail }); finish(); };
  const req = http.get({ host, port: Number(port), path: '/', agent: false, timeout: Number(timeout) }, (res) => {
    let body = '';
    res.on('data', (d) => (body += d));
    res.on('end', () => end(res.statusCode === 200, body.split('\\n')[0]));
    res.on('error', (e) => end(false, String(e)));
  });
  req.on('timeout', () => { req.destroy(new Error('timed out')); });
  req.on('error', (e) => end(false, String(e.code ?? e.message ?? e)));
};
const timer = setInterval(one, Number(interval));
process.stdin.on('data', () => {});
process.stdin.on('end', () => { stopping = true; clearInterval(timer); finish(); });
`;

/** Starts the request loop against `host:port` inside the network namespace `netns`. */
export function startServiceClient(
  netns: string,
  host: string,
  port: number,
  opts: { intervalMs?: number; timeoutMs?: number } = {},
): ServiceClient {
  const child = spawn(
    'nsenter',
    [
      `--net=/run/netns/${netns}`,
      process.execPath,
      '-e',
      clientScript,
      host,
      String(port),
      String(opts.intervalMs ?? 50),
      String(opts.timeoutMs ?? 10_000),
    ],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const results: ClientResult[] = [];
  let partial = '';
  child.stdout.on('data', (d) => {
    const lines = (partial + d).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) if (line.trim()) results.push(JSON.parse(line));
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    results: () => results,
    async stop() {
      child.stdin.end();
      await exited;
      return results;
    },
  };
}

/** GETs each URL once from inside `netns`; the answers' first lines, or the errors, in order. */
export function fetchFrom(netns: string, urls: string[], timeoutMs = 5_000): Promise<string[]> {
  const script = `Promise.all(process.argv.slice(1).map((url) => fetch(url, { signal: AbortSignal.timeout(${timeoutMs}) })
    .then((r) => r.text()).then((t) => t.split('\\n')[0], (e) => 'error: ' + String(e.cause?.code ?? e.message))))
    .then((lines) => console.log(JSON.stringify(lines)))`;
  return new Promise((resolve, reject) => {
    const child = spawn('nsenter', [`--net=/run/netns/${netns}`, process.execPath, '-e', script, ...urls], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`fetch in ${netns} exited with ${code}`))));
  });
}

/**
 * The longest stretch without a successful answer, counted in requests started (the client
 * starts one every interval, so this is the client's own clock, not the test's): for each
 * success, how many requests had been started since the previous success ended.
 */
export function longestSilence(results: ClientResult[]): number {
  const ends = results
    .filter((r) => r.ok)
    .map((r) => r.endTick)
    .sort((a, b) => a - b);
  const last = Math.max(0, ...results.map((r) => r.endTick));
  let longest = ends.length ? ends[0] : last;
  for (let i = 1; i < ends.length; i++) longest = Math.max(longest, ends[i] - ends[i - 1]);
  return Math.max(longest, last - (ends.at(-1) ?? 0));
}
