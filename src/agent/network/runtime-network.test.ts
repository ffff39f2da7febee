// The process runtime on the isolated pod network: a sandbox's containers and execs run in
// the pod's network namespace with the pod's own /etc/hosts and hostname; a hostNetwork pod
// has the node's address and hostname and no namespace; removing the sandbox removes its
// namespace. Needs root and ip.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { firstInternalIPv4 } from '../node/host-info.ts';
import { ProcessRuntime } from '../runtime/process/process-runtime.ts';
import { ensureShimBuilt } from '../runtime/process/shim.ts';
import type { ContainerConfig, PodSandboxConfig } from '../runtime/runtime.ts';
import { ipWorks } from './ip-command.ts';
import { IsolatedPodNetwork } from './isolated-network.ts';
import { nodeNetworkKey } from './names.ts';

const skip = process.getuid?.() !== 0 || !(await ipWorks()) ? 'needs root and iproute2' : false;
const root = mkdtempSync(join(tmpdir(), 'hale-runtime-network-'));
const clusterCidr = `10.${200 + (process.pid % 50)}.0.0/16`;
const network = new IsolatedPodNetwork({
  key: nodeNetworkKey(`rt-${process.pid}`, root),
  stateFile: join(root, 'ips.json'),
  clusterCidr,
  readyWaitMs: 100,
});
let runtime: ProcessRuntime;

before(async () => {
  if (skip) return;
  await network.configure(`${clusterCidr.split('.').slice(0, 2).join('.')}.5.0/24`);
  runtime = new ProcessRuntime({ rootDir: join(root, 'state'), shimPath: ensureShimBuilt(), cgroups: false, network, exitPollMs: 100 });
});

after(async () => {
  if (runtime) {
    for (const s of await runtime.listPodSandboxes()) await runtime.removePodSandbox(s.id).catch(() => {});
    runtime.close();
  }
  if (!skip) await network.cleanUp(new Set(), { removeBridgeWhenEmpty: true }).catch(() => {});
  rmSync(root, { recursive: true, force: true });
});

const sandboxConfig = (name: string, extra: Partial<PodSandboxConfig> = {}): PodSandboxConfig => ({
  podUid: `uid-${name}`,
  name,
  namespace: 'default',
  attempt: 0,
  hostname: name,
  logDirectory: join(root, 'logs', name),
  labels: {},
  annotations: {},
  ...extra,
});

const containerConfig = (logDir: string, argv: string[]): ContainerConfig => ({
  name: 'main',
  attempt: 0,
  image: 'busybox',
  argv,
  env: [],
  mounts: [],
  logPath: join(logDir, 'main.log'),
  tty: false,
  stdin: false,
  stdinOnce: false,
  resources: {},
  labels: {},
  annotations: {},
});

/** The container's log, once it holds `lines` lines (CRI format: the content after the third space). */
async function logLines(path: string, lines: number): Promise<string[]> {
  for (let i = 0; i < 100; i++) {
    const out = existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter(Boolean) : [];
    if (out.length >= lines) return out.map((l) => l.split(' ').slice(3).join(' '));
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${path}: fewer than ${lines} lines`);
}

test('containers and execs run in the pod network namespace with the pod /etc/hosts', { skip, timeout: 60_000 }, async () => {
  const config = sandboxConfig('netpod', { hostAliases: [{ ip: '10.1.2.3', hostnames: ['alias.local'] }] });
  const sandboxId = await runtime.runPodSandbox(config);
  const sandbox = await runtime.podSandboxStatus(sandboxId);
  assert.match(sandbox?.ip ?? '', /\.5\.\d+$/);
  const id = await runtime.createContainer(sandboxId, containerConfig(config.logDirectory, ['sleep', '30']));
  await runtime.startContainer(id);
  const addresses = await runtime.execSync(id, ['ip', '-o', '-4', 'addr', 'show'], 5000);
  assert.match(addresses.stdout, new RegExp(`eth0\\s+inet ${sandbox!.ip.replaceAll('.', '\\.')}/24`));
  assert.doesNotMatch(addresses.stdout, new RegExp(`${network.bridge}`));
  const hosts = await runtime.execSync(id, ['cat', '/etc/hosts'], 5000);
  assert.ok(hosts.stdout.includes(`${sandbox!.ip}\tnetpod\n`), hosts.stdout);
  assert.ok(hosts.stdout.includes('10.1.2.3\talias.local\n'), hosts.stdout);
  // The pod's hostname, for the workload and for execs (a UTS namespace of its own).
  assert.equal((await runtime.execSync(id, ['cat', '/proc/sys/kernel/hostname'], 5000)).stdout, 'netpod\n');
  const named = await runtime.createContainer(sandboxId, {
    ...containerConfig(config.logDirectory, ['cat', '/proc/sys/kernel/hostname']),
    name: 'named',
    logPath: join(config.logDirectory, 'named.log'),
  });
  await runtime.startContainer(named);
  assert.deepEqual(await logLines(join(config.logDirectory, 'named.log'), 1), ['netpod']);

  const netnsPath = `/run/netns/hale-${nodeNetworkKey(`rt-${process.pid}`, root)}-${sandboxId.slice(0, 16)}`;
  assert.ok(existsSync(netnsPath));
  await runtime.removePodSandbox(sandboxId);
  assert.ok(!existsSync(netnsPath));
});

test('a hostNetwork pod has the node address and no namespace of its own', { skip, timeout: 60_000 }, async () => {
  const config = sandboxConfig('hostpod', { hostNetwork: true });
  const sandboxId = await runtime.runPodSandbox(config);
  assert.equal((await runtime.podSandboxStatus(sandboxId))?.ip, firstInternalIPv4());
  const id = await runtime.createContainer(sandboxId, containerConfig(config.logDirectory, ['sleep', '30']));
  await runtime.startContainer(id);
  assert.equal((await runtime.execSync(id, ['cat', '/proc/sys/kernel/hostname'], 5000)).stdout, `${hostname()}\n`);
  await runtime.removePodSandbox(sandboxId);
});
