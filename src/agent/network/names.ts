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
