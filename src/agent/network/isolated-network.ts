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
//   unreachable, so pod traffic is never forwarded off the machine. Traffic to the host's
//   own addresses is delivered locally before these rules are consulted.
// - An `unreachable` route for the whole cluster CIDR, so pod ranges not served by a bridge
//   on this machine never leave it. It is shared by the agents of this machine and removed
//   by the last one whose bridge goes.
// - One netns (/run/netns/hale-<key>-<sandbox>) and veth pair per sandbox, removed with the
//   sandbox; cleanUp() removes those of sandboxes that no longer exist (after a crash).
import { writeFileSync } from 'node:fs';
import { DEFAULT_CLUSTER_CIDR, DEFAULT_SERVICE_CIDR } from '../../api/cluster-network.ts';
import { formatIpv4, PodIpAllocator, parseIpv4 } from '../runtime/process/pod-ip.ts';
import { ip, ipAllowing } from './ip-command.ts';
import { bridgeName, netnsName, netnsPrefix, vethName } from './names.ts';
import type { PodNetwork, PodNetworkAttachment } from './pod-network.ts';

/** Priority of the policy rules for traffic from the pod bridges (before main at 32766). */
export const POD_RULE_PRIORITY = 5200;
const DEFAULT_READY_WAIT_MS = 15_000;
const NOT_FOUND = /Cannot find device|No such file|No such process|does not exist|not found|Invalid argument/i;

export interface IsolatedNetworkLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export interface IsolatedPodNetworkOptions {
  /** Unique per agent on this machine (see names.ts). */
  key: string;
  /** Where address allocations are persisted. */
  stateFile: string;
  clusterCidr?: string;
  serviceCidr?: string;
  logger?: IsolatedNetworkLogger;
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
  private readonly logger?: IsolatedNetworkLogger;
  private configured?: Configured;
  private configuring?: Promise<void>;
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
        for (const wake of this.waiters.splice(0)) wake();
      },
      (err) => {
        this.configuring = undefined;
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
    // A crash mid-way may have left this sandbox's objects: start from a clean slate.
    await ipAllowing(NOT_FOUND, ['netns', 'delete', ns]);
    await ipAllowing(NOT_FOUND, ['link', 'delete', veth]);
    try {
      await ip(['netns', 'add', ns]);
      await ip(['link', 'add', veth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
      await ip(['link', 'set', veth, 'master', this.bridge, 'up']);
      await ip(['-n', ns, 'link', 'set', 'lo', 'up']);
      await ip(['-n', ns, 'addr', 'add', `${podIp}/${net.prefix}`, 'dev', 'eth0']);
      await ip(['-n', ns, 'link', 'set', 'eth0', 'up']);
      await ip(['-n', ns, 'route', 'add', 'default', 'via', net.gateway, 'dev', 'eth0']);
    } catch (err) {
      await this.detach(sandboxId).catch(() => {});
      throw err;
    }
    return { ip: podIp, netnsPath: `/run/netns/${ns}` };
  }

  async detach(sandboxId: string): Promise<void> {
    // Deleting the namespace destroys eth0 and with it the host end of the pair.
    await ipAllowing(NOT_FOUND, ['netns', 'delete', netnsName(this.opts.key, sandboxId)]);
    await ipAllowing(NOT_FOUND, ['link', 'delete', vethName(sandboxId)]);
    (this.configured?.ips ?? this.allocationsOnly()).release(sandboxId);
  }

  async cleanUp(liveSandboxIds: Set<string>, opts: { removeBridgeWhenEmpty?: boolean } = {}): Promise<void> {
    const prefix = netnsPrefix(this.opts.key);
    const live = [...liveSandboxIds];
    for (const ns of await listNetns()) {
      if (!ns.startsWith(prefix)) continue;
      const idPart = ns.slice(prefix.length);
      if (live.some((id) => id.startsWith(idPart))) continue;
      this.logger?.info({ netns: ns }, 'removing the network namespace of a sandbox that no longer exists');
      await ipAllowing(NOT_FOUND, ['netns', 'delete', ns]);
    }
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
    const present = (await ip(['rule', 'show']))
      .split('\n')
      .filter((line) => line.includes(` iif ${this.bridge} `) || line.endsWith(` iif ${this.bridge}`));
    if (present.length === wanted.length && wanted.every((rule) => present.includes(rule))) return;
    await this.removeRules();
    await ip(['rule', 'add', 'pref', String(POD_RULE_PRIORITY), 'iif', this.bridge, 'to', this.clusterCidr, 'lookup', 'main']);
    await ip(['rule', 'add', 'pref', String(POD_RULE_PRIORITY), 'iif', this.bridge, 'to', this.serviceCidr, 'lookup', 'main']);
    await ip(['rule', 'add', 'pref', String(POD_RULE_PRIORITY + 1), 'iif', this.bridge, 'unreachable']);
  }

  private async removeRules(): Promise<void> {
    // `ip rule del` removes one matching rule per call.
    for (let i = 0; i < 16; i++) {
      try {
        await ip(['rule', 'del', 'iif', this.bridge]);
      } catch {
        return;
      }
    }
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
        reject(new Error('the pod network is not ready: this node has no spec.podCIDR yet (is the node IPAM controller running?)'));
      }, this.opts.readyWaitMs ?? DEFAULT_READY_WAIT_MS);
      const wake = () => {
        clearTimeout(timer);
        if (this.configured) resolve(this.configured);
      };
      this.waiters.push(wake);
    });
  }
}

async function listNetns(): Promise<string[]> {
  // Lines are "NAME" or "NAME (id: N)".
  return (await ip(['netns', 'list']))
    .split('\n')
    .map((line) => line.split(' ')[0])
    .filter(Boolean);
}
