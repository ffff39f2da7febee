// Host network mode: every pod shares the host's network namespace and gets its own loopback
// address (see runtime/process/pod-ip.ts). Apps must bind $POD_IP or 0.0.0.0, and ports are
// shared with the host.
import { PodIpAllocator } from '../runtime/process/pod-ip.ts';
import type { PodNetwork, PodNetworkAttachment } from './pod-network.ts';

export class HostPodNetwork implements PodNetwork {
  readonly mode = 'host';

  constructor(private readonly ips: PodIpAllocator) {}

  static inFile(file: string, podCidr?: string): HostPodNetwork {
    return new HostPodNetwork(new PodIpAllocator(file, podCidr));
  }

  async attach(sandboxId: string): Promise<PodNetworkAttachment> {
    const ip = this.ips.allocate(sandboxId);
    try {
      await this.ips.persisted();
    } catch (err) {
      this.ips.release(sandboxId);
      throw err;
    }
    return { ip };
  }

  /** Resolves once the release is on disk, so nothing writes the file after the caller moves on. */
  async detach(sandboxId: string): Promise<void> {
    this.ips.release(sandboxId);
    await this.ips.persisted();
  }

  async cleanUp(liveSandboxIds: Set<string>): Promise<void> {
    for (const owner of Object.values(this.ips.allocated())) if (!liveSandboxIds.has(owner)) this.ips.release(owner);
    await this.ips.persisted();
  }
}
