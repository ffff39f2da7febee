// What the process runtime asks of a pod network: an address (and, when isolated, a network
// namespace) for each pod sandbox, given back when the sandbox is removed. Two
// implementations: host mode (a loopback address per pod, no namespace) and isolated mode
// (a netns with a veth on the node's bridge, an address from the node's podCIDR).

export type NetworkMode = 'host' | 'isolated';

/** The log calls the network code makes (a pino Logger fits). */
export interface NetworkLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export interface PodNetworkAttachment {
  ip: string;
  /** Path of the pod's network namespace (bind mount under /run/netns), isolated mode only. */
  netnsPath?: string;
}

export interface PodNetwork {
  readonly mode: NetworkMode;
  /** Creates (or, after a restart, finds) the network of sandbox `sandboxId`. */
  attach(sandboxId: string): Promise<PodNetworkAttachment>;
  /** Removes everything attach() made for the sandbox; idempotent. */
  detach(sandboxId: string): Promise<void>;
  /**
   * Removes what belongs to sandboxes not in `liveSandboxIds` (left over from a crash), and
   * the node's bridge when no sandbox is left and `removeBridgeWhenEmpty` is set.
   */
  cleanUp(liveSandboxIds: Set<string>, opts?: { removeBridgeWhenEmpty?: boolean }): Promise<void>;
}
