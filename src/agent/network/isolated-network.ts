// Isolated network mode: each pod sandbox gets its own network namespace with a veth pair
// whose host end is on the node's bridge, an address from the node's podCIDR (the bridge
// holds the first one, the pods' default gateway), and a default route via the bridge.
//
// What changes on the host, and how it is undone:
// - A bridge per node ("hale" + key) holding the gateway address; forwarding is switched on
//   for that bridge only (net.ipv4.conf.<bridge>.forwarding; ip_forward stays as it was) and
//   goes away with the bridge.
// - Policy rules for traffic arriving on the bridge: to the cluster or service CIDR it is
//   routed normally (other nodes' bridges on this machine, the proxy), anything else is
//   unreachable, so pod traffic is never forwarded off the machine except to peer nodes
//   (node-routes.ts adds those routes and rules). Traffic to the host's own addresses is
//   delivered locally before these rules are consulted.
// - An `unreachable` route for the whole cluster CIDR, so pod ranges not served by a bridge
//   on this machine (or routed to a peer node) never leave it. It is shared by the agents of this machine and removed
//   by the last one whose bridge goes.
// - One netns (/run/netns/hale-<key>-<sandbox>) and veth pair per sandbox, removed with the
//   sandbox; cleanUp() removes those of sandboxes that no longer exist (after a crash).
import { existsSync, writeFileSync } from 'node:fs';
import { DEFAULT_CLUSTER_CIDR, DEFAULT_SERVICE_CIDR } from '../../api/cluster-network.ts';
import { formatIpv4, PodIpAllocator, parseIpv4 } from '../runtime/process/pod-ip.ts';
import { type CollectResult, spawner } from '../runtime/process/spawner.ts';
import { deleteMatchingRules, ip, ipAllowing, ipBatch } from './ip-command.ts';
import { bridgeMac, bridgeName, netnsName, netnsPrefix, vethName } from './names.ts';
import type { NetworkLogger, PodNetwork, PodNetworkAttachment } from './pod-network.ts';

/** Priority of the policy rules for traffic from the pod bridges (before main at 32766). */
export const POD_RULE_PRIORITY = 5200;
const DEFAULT_READY_WAIT_MS = 15_000;
const NOT_FOUND = /Cannot find device|No such (file|process|device)|does not exist|not found|Invalid argument/i;
/** How long a sandbox's network set-up or removal may take. */
const CHANGE_TIMEOUT_MS = 10_000;
/** Where `ip netns` keeps its named namespaces. */
const NETNS_DIR = '/run/netns';

export interface IsolatedPodNetworkOptions {
  /** Unique per agent on this machine (see names.ts). */
  key: string;
  /** Where address allocations are persisted. */
  stateFile: string;
  clusterCidr?: string;
  serviceCidr?: string;
  logger?: NetworkLogger;
  /** How long attach() waits for the node's podCIDR before failing (default 15 s). */
  readyWaitMs?: number;
}

interface Configured {
  podCidr: string;
  prefix: number;
  gateway: string;
  ips: PodIpAllocator;
}

export class IsolatedPodNetwork implements PodNetwork {
  readonly mode = 'isolated';
  readonly bridge: string;
  private readonly clusterCidr: string;
  private readonly serviceCidr: string;
  private readonly logger?: NetworkLogger;
  private configured?: Configured;
  private configuring?: Promise<void>;
  /** Why the last set-up of the bridge failed (attach() says so rather than "no podCIDR yet"). */
  private configureError?: string;
  private readonly waiters: (() => void)[] = [];

  constructor(private readonly opts: IsolatedPodNetworkOptions) {
    this.bridge = bridgeName(opts.key);
    this.clusterCidr = opts.clusterCidr ?? DEFAULT_CLUSTER_CIDR;
    this.serviceCidr = opts.serviceCidr ?? DEFAULT_SERVICE_CIDR;
    this.logger = opts.logger;
  }

  get podCidr(): string | undefined {
    return this.configured?.podCidr;
  }

  /** Sets up the bridge for the node's podCIDR (idempotent; keeps a running bridge as it is). */
  configure(podCidr: string): Promise<void> {
    this.configuring ??= this.setUpBridge(podCidr).then(
      () => {
        this.configureError = undefined;
        for (const wake of this.waiters.splice(0)) wake();
      },
      (err) => {
        this.configuring = undefined;
        this.configureError = `cannot set up the bridge for the node's podCIDR ${podCidr}: ${err instanceof Error ? err.message : String(err)}`;
        throw err;
      },
    );
    return this.configuring;
  }

  private async setUpBridge(podCidr: string): Promise<void> {
    const [network, prefixText] = podCidr.split('/');
    const prefix = Number(prefixText);
    const gateway = formatIpv4(parseIpv4(network) + 1);
    const ips = new PodIpAllocator(this.opts.stateFile, podCidr, { loopback: false, reserved: [gateway] });
    // Another cluster on this machine with the same cluster CIDR would make both unreachable.
    const routed = (await ip(['route', 'show', 'exact', podCidr]))
      .split('\n')
      .find((line) => line.trim() && !line.includes(` dev ${this.bridge} `));
    if (routed) {
      throw new Error(
        `pod range ${podCidr} is already routed here (${routed.trim()}): another cluster on this machine uses the same --cluster-cidr`,
      );
    }
    await ipAllowing(/File exists/, ['link', 'add', this.bridge, 'type', 'bridge']);
    await ip(['link', 'set', 'dev', this.bridge, 'address', bridgeMac(this.opts.key)]);
    const addresses = await ip(['-o', '-4', 'addr', 'show', 'dev', this.bridge]);
    if (!addresses.includes(` ${gateway}/${prefix} `)) {
      await ip(['addr', 'flush', 'dev', this.bridge]);
      await ip(['addr', 'add', `${gateway}/${prefix}`, 'dev', this.bridge]);
    }
    await ip(['link', 'set', this.bridge, 'up']);
    writeFileSync(`/proc/sys/net/ipv4/conf/${this.bridge}/forwarding`, '1');
    await this.ensureRules();
    await ipAllowing(/File exists/, ['route', 'add', 'unreachable', this.clusterCidr]);
    this.configured = { podCidr, prefix, gateway, ips };
    this.logger?.info({ bridge: this.bridge, podCIDR: podCidr, gateway }, 'pod network bridge ready');
  }

  async attach(sandboxId: string): Promise<PodNetworkAttachment> {
    const net = await this.whenConfigured();
    const ns = netnsName(this.opts.key, sandboxId);
    const veth = vethName(sandboxId);
    const podIp = net.ips.allocate(sandboxId);
    const netnsPath = `${NETNS_DIR}/${ns}`;
    try {
      // A crash mid-way may have left this sandbox's objects: start from a clean slate.
      await Promise.all([net.ips.persisted(), this.removeSandboxObjects(ns, veth)]);
      // No `ip` here: the spawn server's child does it over netlink (native/pod-network.c).
      // An `ip -n` run per pod cost more CPU than the rest of the sandbox's start.
      const result = await spawner.attachPodNetwork({
        netnsPath,
        veth,
        bridge: this.bridge,
        address: `${podIp}/${net.prefix}`,
        gateway: net.gateway,
        timeoutMs: CHANGE_TIMEOUT_MS,
      });
      throwIfFailed(`attach the network namespace ${ns}`, result);
    } catch (err) {
      await this.detach(sandboxId).catch(() => {});
      throw err;
    }
    return { ip: podIp, netnsPath };
  }

  async detach(sandboxId: string): Promise<void> {
    await this.removeSandboxObjects(netnsName(this.opts.key, sandboxId), vethName(sandboxId));
    (this.configured?.ips ?? this.allocationsOnly()).release(sandboxId);
  }

  /** Deletes a sandbox's namespace and veth pair, or does nothing when neither exists. */
  private async removeSandboxObjects(ns: string, veth: string): Promise<void> {
    const netnsPath = `${NETNS_DIR}/${ns}`;
    if (!existsSync(netnsPath) && !hasInterface(veth)) return;
    // Unpinned, the namespace goes with its eth0 and the host end of the pair, unless a
    // process still holds it: then the host end is deleted on its own.
    throwIfFailed(`remove the network namespace ${ns}`, await spawner.detachPodNetwork({ netnsPath, veth, timeoutMs: CHANGE_TIMEOUT_MS }));
  }

  async cleanUp(liveSandboxIds: Set<string>, opts: { removeBridgeWhenEmpty?: boolean } = {}): Promise<void> {
    const prefix = netnsPrefix(this.opts.key);
    const live = [...liveSandboxIds];
    const stale = (await listNetns()).filter((ns) => ns.startsWith(prefix) && !live.some((id) => id.startsWith(ns.slice(prefix.length))));
    for (const ns of stale) this.logger?.info({ netns: ns }, 'removing the network namespace of a sandbox that no longer exists');
    // A few deletes per `ip` run, the runs side by side: each delete waits for a grace period.
    const chunks = Array.from({ length: Math.ceil(stale.length / 8) }, (_, i) => stale.slice(i * 8, i * 8 + 8));
    await Promise.all(
      chunks.map((chunk) =>
        ipBatch(
          chunk.map((ns) => ['netns', 'delete', ns]),
          { allowing: NOT_FOUND },
        ),
      ),
    );
    const ips = this.configured?.ips ?? this.allocationsOnly();
    for (const owner of Object.values(ips.allocated())) if (!liveSandboxIds.has(owner)) ips.release(owner);
    if (opts.removeBridgeWhenEmpty && liveSandboxIds.size === 0) await this.removeBridge();
  }

  /** Removes the bridge, its rules, and the cluster CIDR route when no other Hale bridge serves part of it. */
  async removeBridge(): Promise<void> {
    await this.removeRules();
    await ipAllowing(NOT_FOUND, ['link', 'delete', this.bridge]);
    this.configured = undefined;
    this.configuring = undefined;
    // Other agents of this machine may still serve ranges of the same cluster CIDR.
    const others = (await ip(['route', 'show', 'root', this.clusterCidr])).split('\n').some((line) => / dev hale[0-9a-f]{8}\b/.test(line));
    if (!others) await ipAllowing(NOT_FOUND, ['route', 'delete', 'unreachable', this.clusterCidr]);
    this.logger?.info({ bridge: this.bridge }, 'pod network bridge removed');
  }

  /** The bridge's policy rules, left alone when already right (a restarted agent's pods keep running). */
  private async ensureRules(): Promise<void> {
    const wanted = [
      `${POD_RULE_PRIORITY}:\tfrom all to ${this.clusterCidr} iif ${this.bridge} lookup main`,
      `${POD_RULE_PRIORITY}:\tfrom all to ${this.serviceCidr} iif ${this.bridge} lookup main`,
      `${POD_RULE_PRIORITY + 1}:\tfrom all iif ${this.bridge} unreachable`,
    ];
    // Only these three are ours: node-routes.ts adds `iif <bridge> to <peer node>` rules of its own.
    const present = (await ip(['rule', 'show'])).split('\n').map((line) => line.trimEnd());
    if (wanted.every((rule) => present.filter((line) => line === rule).length === 1)) return;
    await this.removeRules();
    for (const rule of this.ownRules()) await ip(['rule', 'add', ...rule]);
  }

  private async removeRules(): Promise<void> {
    for (const rule of this.ownRules()) await deleteMatchingRules(rule);
  }

  private ownRules(): string[][] {
    return [
      ['pref', String(POD_RULE_PRIORITY), 'iif', this.bridge, 'to', this.clusterCidr, 'lookup', 'main'],
      ['pref', String(POD_RULE_PRIORITY), 'iif', this.bridge, 'to', this.serviceCidr, 'lookup', 'main'],
      ['pref', String(POD_RULE_PRIORITY + 1), 'iif', this.bridge, 'unreachable'],
    ];
  }

  /** The persisted allocations before the podCIDR is known (for releasing only; any range will do). */
  private allocationsOnly(): PodIpAllocator {
    return new PodIpAllocator(this.opts.stateFile, this.clusterCidr, { loopback: false });
  }

  private whenConfigured(): Promise<Configured> {
    if (this.configured) return Promise.resolve(this.configured);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const i = this.waiters.indexOf(wake);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(
          new Error(
            `the pod network is not ready: ${this.configureError ?? 'this node has no spec.podCIDR yet (is the node IPAM controller running?)'}`,
          ),
        );
      }, this.opts.readyWaitMs ?? DEFAULT_READY_WAIT_MS);
      const wake = () => {
        clearTimeout(timer);
        if (this.configured) resolve(this.configured);
      };
      this.waiters.push(wake);
    });
  }
}

/** Throws when the spawn server's attach or detach child failed; its stderr says why. */
function throwIfFailed(what: string, result: CollectResult): void {
  if (result.exitCode === 0) return;
  const why = result.timedOut ? `timed out after ${CHANGE_TIMEOUT_MS / 1000} s` : result.stderr.trim() || `exit code ${result.exitCode}`;
  throw new Error(`${what}: ${why}`);
}

/**
 * Whether this process's network namespace has the interface. /proc/sys/net shows the
 * namespace of the process reading it (/sys shows the one of whoever mounted it), and holds
 * an IPv4 conf entry for every interface with an MTU of at least 68 (veths: 1500).
 */
function hasInterface(name: string): boolean {
  return existsSync(`/proc/sys/net/ipv4/conf/${name}`);
}

async function listNetns(): Promise<string[]> {
  // Lines are "NAME" or "NAME (id: N)".
  return (await ip(['netns', 'list']))
    .split('\n')
    .map((line) => line.split(' ')[0])
    .filter(Boolean);
}
