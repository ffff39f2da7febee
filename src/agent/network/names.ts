// Names of the host objects the isolated pod network creates. Every agent on a machine gets
// its own short key (from its node name and data dir), so agents and test clusters side by
// side never touch each other's bridge or namespaces. Linux interface names are ≤ 15 chars.
import { createHash } from 'node:crypto';

export function nodeNetworkKey(nodeName: string, dataDir: string): string {
  return createHash('sha256').update(`${nodeName}\0${dataDir}`).digest('hex').slice(0, 8);
}

/** The node's bridge: "hale" + key (12 chars). */
export function bridgeName(key: string): string {
  return `hale${key}`;
}

/**
 * The bridge's own MAC, fixed and locally administered. Left to the kernel, a bridge takes the
 * lowest MAC of its ports, so it changes as pods come and go; pods that cached the old one for
 * their gateway lose packets (DNS queries) until their ARP entry expires.
 */
export function bridgeMac(key: string): string {
  const bytes = createHash('sha256').update(`bridge\0${key}`).digest().subarray(0, 5);
  return ['02', ...[...bytes].map((b) => b.toString(16).padStart(2, '0'))].join(':');
}

/** Network namespaces of this node's pods start with this. */
export function netnsPrefix(key: string): string {
  return `hale-${key}-`;
}

/** A sandbox's namespace (under /run/netns). Sandbox ids are 64 random hex digits. */
export function netnsName(key: string, sandboxId: string): string {
  return `${netnsPrefix(key)}${sandboxId.slice(0, 16)}`;
}

/** The host end of a sandbox's veth pair: "hv" + 12 hex digits (14 chars). */
export function vethName(sandboxId: string): string {
  return `hv${sandboxId.slice(0, 12)}`;
}
