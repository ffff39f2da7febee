import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { promisify } from 'node:util';
import { spawner } from '../runtime/process/spawner.ts';
import { ip, ipWorks } from './ip-command.ts';
import { IsolatedPodNetwork } from './isolated-network.ts';
import { netnsName, nodeNetworkKey, vethName } from './names.ts';

const execFileAsync = promisify(execFile);
const skip = process.getuid?.() !== 0 || !(await ipWorks()) ? 'needs root and iproute2' : false;
const dir = mkdtempSync(join(tmpdir(), 'hale-isolated-net-'));
// A cluster CIDR of our own (10.2xx.0.0/16) so tests running side by side never clash.
const clusterCidr = `10.${200 + (process.pid % 50)}.0.0/16`;
const [a, b] = ['a', 'b'].map((n) => nodeNetworkKey(`${n}-${process.pid}`, dir));
const netA = new IsolatedPodNetwork({ key: a, stateFile: join(dir, 'a.json'), clusterCidr, readyWaitMs: 100 });
const netB = new IsolatedPodNetwork({ key: b, stateFile: join(dir, 'b.json'), clusterCidr, readyWaitMs: 100 });
const ids = [randomBytes(32).toString('hex'), randomBytes(32).toString('hex'), randomBytes(32).toString('hex')];
const sandbox = (n: number) => ids[n % 3];

after(async () => {
  if (!skip) {
    await netA.cleanUp(new Set(), { removeBridgeWhenEmpty: true }).catch(() => {});
    await netB.cleanUp(new Set(), { removeBridgeWhenEmpty: true }).catch(() => {});
  }
  rmSync(dir, { recursive: true, force: true });
});

/** Opens a TCP connection from inside a namespace and returns what the server sent. */
const fetchFrom = async (netnsPath: string, host: string, port: number) =>
  (
    await execFileAsync(
      'nsenter',
      [
        `--net=${netnsPath}`,
        process.execPath,
        '-e',
        `require('net').connect(${port}, '${host}').on('data', (d) => { process.stdout.write(d); process.exit(0); }).on('error', (e) => { console.error(e.message); process.exit(1); })`,
      ],
      { encoding: 'utf8', timeout: 10_000 },
    )
  ).stdout;

/** A TCP server in a namespace that answers "pong from NAME" (killed when the test ends). */
async function serveIn(netnsPath: string, name: string, port: number): Promise<ChildProcess> {
  const child = spawn('nsenter', [
    `--net=${netnsPath}`,
    process.execPath,
    '-e',
    `require('net').createServer((s) => s.end('pong from ${name}')).listen(${port}, '0.0.0.0', () => console.log('up'))`,
  ]);
  await new Promise((resolve, reject) => {
    child.stdout.once('data', resolve);
    child.once('exit', reject);
  });
  return child;
}

test('pods on two bridges reach each other and the host; nothing is left after clean-up', { skip, timeout: 60_000 }, async () => {
  await assert.rejects(netA.attach(sandbox(9)), /no spec.podCIDR/);
  const base = clusterCidr.split('.').slice(0, 2).join('.');
  await netA.configure(`${base}.1.0/24`);
  await netB.configure(`${base}.2.0/24`);
  // A second cluster here with the same range is refused instead of breaking both.
  const clash = new IsolatedPodNetwork({ key: nodeNetworkKey(`c-${process.pid}`, dir), stateFile: join(dir, 'c.json'), clusterCidr });
  await assert.rejects(clash.configure(`${base}.1.0/24`), /already routed here/);
  const macOf = async (link: string) => (await ip(['-o', 'link', 'show', 'dev', link])).match(/link\/ether (\S+)/)?.[1];
  const bridgeMacBefore = await macOf(netA.bridge);
  const p1 = await netA.attach(sandbox(1));
  const p2 = await netB.attach(sandbox(2));
  // Ports joining do not change the bridge's MAC (pods cache it for their gateway).
  assert.equal(await macOf(netA.bridge), bridgeMacBefore);
  assert.match(bridgeMacBefore ?? '', /^02:/);
  assert.equal(p1.ip, `${base}.1.2`);
  assert.equal(p2.ip, `${base}.2.2`);
  // No IPv6 on either end of the pair (its start-up traffic was flooded to every port); lo keeps ::1.
  const podNs = p1.netnsPath!.split('/').pop()!;
  assert.equal(await ip(['-n', podNs, '-6', 'addr', 'show', 'dev', 'eth0']), '');
  assert.match(await ip(['-n', podNs, '-6', 'addr', 'show', 'dev', 'lo']), /::1\/128/);
  assert.match(await ip(['-d', 'link', 'show', 'dev', vethName(sandbox(1))]), /addrgenmode none/);
  const server = await serveIn(p2.netnsPath!, 'p2', 8080);
  const host = createServer((s) => s.end('pong from host')).listen(0, '0.0.0.0');
  await once(host, 'listening');
  try {
    assert.equal(await fetchFrom(p1.netnsPath!, p2.ip, 8080), 'pong from p2');
    assert.equal(await fetchFrom(p1.netnsPath!, `${base}.1.1`, (host.address() as AddressInfo).port), 'pong from host');
  } finally {
    server.kill('SIGKILL');
    host.close();
  }
  // A pod range no bridge serves is unreachable, not sent to the default route.
  assert.match(await ip(['route', 'get', `${base}.99.9`]).catch((e) => String(e)), /unreachable|No route/);

  // A crash left sandbox 1's namespace behind: clean-up with only sandbox 2 alive removes it.
  await netA.cleanUp(new Set());
  await netB.cleanUp(new Set([sandbox(2)]));
  const left = await ip(['netns', 'list']);
  assert.ok(!left.includes(p1.netnsPath!.split('/').pop()!));
  assert.ok(left.includes(p2.netnsPath!.split('/').pop()!));
  await netB.detach(sandbox(2));
  await netA.cleanUp(new Set(), { removeBridgeWhenEmpty: true });
  await netB.cleanUp(new Set(), { removeBridgeWhenEmpty: true });
  const links = await ip(['-o', 'link', 'show']);
  assert.ok(!links.includes(netA.bridge) && !links.includes(netB.bridge));
  assert.ok(!(await ip(['route', 'show'])).includes(clusterCidr));
  assert.ok(!(await ip(['rule', 'show'])).includes(netA.bridge));
});

test('attach starts from a clean slate after a crash and cleans up after itself when it fails', { skip, timeout: 60_000 }, async () => {
  const netD = new IsolatedPodNetwork({ key: nodeNetworkKey(`d-${process.pid}`, dir), stateFile: join(dir, 'd.json'), clusterCidr });
  const base = clusterCidr.split('.').slice(0, 2).join('.');
  const id = randomBytes(32).toString('hex');
  const veth = vethName(id);
  const ns = netnsName(nodeNetworkKey(`d-${process.pid}`, dir), id);
  let holder: ChildProcess | undefined;
  try {
    await netD.configure(`${base}.4.0/24`);
    const first = await netD.attach(id);
    // Attached again as if the agent had crashed before recording the sandbox: same result.
    const again = await netD.attach(id);
    assert.equal(again.netnsPath, first.netnsPath);
    assert.match(await ip(['-n', ns, '-o', '-4', 'addr', 'show', 'dev', 'eth0']), new RegExp(` ${again.ip.replaceAll('.', '\\.')}/24 `));
    // The namespace's name is gone but a process still holds it: the host end stays behind.
    holder = spawn('nsenter', [`--net=${again.netnsPath}`, 'sh', '-c', 'echo in; exec sleep 60']);
    // Only once it is inside: deleting the name first would destroy the namespace with its veth.
    await new Promise((resolve, reject) => {
      holder!.stdout!.once('data', resolve);
      holder!.once('error', reject);
    });
    await ip(['netns', 'delete', ns]);
    assert.match(await ip(['-o', 'link', 'show']), new RegExp(`${veth}@`));
    await netD.attach(id);
    assert.match(await ip(['-n', ns, 'route', 'show', 'default']), new RegExp(`via ${base}\\.4\\.1 dev eth0`));
    await netD.detach(id);
    await netD.detach(id); // idempotent, and runs no `ip` for what is not there
    assert.ok(!(await ip(['netns', 'list'])).includes(ns));

    // A step failing half-way (here the host end's name is taken) leaves no namespace behind.
    const attachRequest = { netnsPath: `/run/netns/${ns}`, bridge: netD.bridge, gateway: `${base}.4.1`, timeoutMs: 10_000 };
    const halfway = await spawner.attachPodNetwork({ ...attachRequest, veth: 'lo', address: `${base}.4.9/24` });
    assert.deepEqual([halfway.exitCode, halfway.stderr], [1, 'link add lo type veth peer name eth0: File exists\n']);
    assert.ok(!(await ip(['netns', 'list'])).includes(ns));
    const badAddress = await spawner.attachPodNetwork({ ...attachRequest, veth, address: `${base}.4.9` });
    assert.deepEqual([badAddress.exitCode, badAddress.stderr], [1, `bad pod address ${base}.4.9 (want A.B.C.D/PREFIX)\n`]);

    // Without its bridge the attach fails and says why; nothing is left.
    await ip(['link', 'delete', netD.bridge]);
    await assert.rejects(
      netD.attach(id),
      (err: Error) => err.message === `attach the network namespace ${ns}: bridge ${netD.bridge}: No such device`,
    );
    assert.ok(!(await ip(['netns', 'list'])).includes(ns));
    assert.ok(!(await ip(['-o', 'link', 'show'])).includes(veth));
  } finally {
    holder?.kill('SIGKILL');
    await netD.cleanUp(new Set(), { removeBridgeWhenEmpty: true }).catch(() => {});
  }
});

test('a bridge that cannot be set up says why to the pods waiting for it, not "no podCIDR yet"', { skip, timeout: 60_000 }, async () => {
  const key = nodeNetworkKey(`c-${process.pid}`, dir);
  const net = new IsolatedPodNetwork({ key, stateFile: join(dir, 'c.json'), clusterCidr, readyWaitMs: 100 });
  const podCidr = clusterCidr.replace('.0.0/16', '.9.0/24');
  // The range is already routed elsewhere (a leftover bridge, another cluster): set-up fails.
  await ip(['route', 'add', 'unreachable', podCidr]);
  try {
    await assert.rejects(net.configure(podCidr), /already routed here/);
    await assert.rejects(net.attach(randomBytes(32).toString('hex')), (err: Error) => {
      assert.match(err.message, /^the pod network is not ready: cannot set up the bridge for the node's podCIDR .*already routed here/);
      assert.doesNotMatch(err.message, /no spec.podCIDR yet/);
      return true;
    });
  } finally {
    await ip(['route', 'delete', 'unreachable', podCidr]);
    await net.cleanUp(new Set(), { removeBridgeWhenEmpty: true });
  }
});
