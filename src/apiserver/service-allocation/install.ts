// Wires Service allocation into an API server: the allocator hook on the services store,
// a repair pass at start and every three minutes (as Kubernetes), and the default/kubernetes
// Service. Called from src/server/start-server.ts.
import type { Logger } from 'pino';
import { DEFAULT_NODE_PORT_RANGE, DEFAULT_SERVICE_CIDR } from '../../api/cluster-network.ts';
import type { Store } from '../../storage/store.ts';
import type { ApiRegistry } from '../api-registry.ts';
import { parseIPv4Range, parsePortRange } from './ip-range.ts';
import { ensureKubernetesService, kubernetesServiceIPFor } from './kubernetes-service.ts';
import { repairServiceAllocations } from './repair.ts';
import { ServiceAllocator } from './service-allocator.ts';

export interface ServiceAllocationOptions {
  /** --service-cidr (default 10.43.0.0/16). */
  serviceCidr?: string;
  /** --service-node-port-range, "FIRST-LAST" (default 30000-32767). */
  nodePortRange?: string;
  /** The API server's address and port for the default/kubernetes Service; skipped when absent. */
  apiServer?: { address: string; port: number };
  logger?: Logger;
  /** Repair interval (default 3 minutes). */
  repairIntervalMs?: number;
  /** How often a deleted default/kubernetes Service is looked for (default 10 s). */
  kubernetesServiceIntervalMs?: number;
}

export interface ServiceAllocation {
  allocator: ServiceAllocator;
  stop(): void;
}

export async function installServiceAllocation(
  registry: ApiRegistry,
  store: Store,
  opts: ServiceAllocationOptions = {},
): Promise<ServiceAllocation> {
  const services = registry.lookup('', 'v1', 'services');
  if (!services) throw new Error('the services resource is not registered');
  const serviceRange = parseIPv4Range(opts.serviceCidr ?? DEFAULT_SERVICE_CIDR);
  const nodePorts = opts.nodePortRange ? parsePortRange(opts.nodePortRange) : { ...DEFAULT_NODE_PORT_RANGE };
  const allocator = new ServiceAllocator(store, { serviceRange, nodePorts });
  services.writeHooks = allocator;
  const repair = () =>
    repairServiceAllocations(allocator, services, opts.logger).catch((err) =>
      opts.logger?.warn({ err: err instanceof Error ? err.message : String(err) }, 'service allocation repair failed'),
    );
  await repair();
  const timer = setInterval(repair, opts.repairIntervalMs ?? 3 * 60_000);
  timer.unref();
  let kubernetesServiceTimer: NodeJS.Timeout | undefined;
  if (opts.apiServer) {
    const kubernetesService = { clusterIP: kubernetesServiceIPFor(opts.serviceCidr), ...opts.apiServer };
    const ensure = (onlyIfMissing: boolean) =>
      ensureKubernetesService(registry, kubernetesService, { onlyIfMissing }).catch((err) =>
        opts.logger?.warn({ err: err instanceof Error ? err.message : String(err) }, 'could not write the default/kubernetes Service'),
      );
    // A cluster without it still works; never keep the API server from starting over it.
    await ensure(false);
    // Deleted (say by `kubectl delete all --all -A`): back within 10 s, as kube-apiserver does.
    kubernetesServiceTimer = setInterval(() => void ensure(true), opts.kubernetesServiceIntervalMs ?? 10_000);
    kubernetesServiceTimer.unref();
  }
  return {
    allocator,
    stop: () => {
      clearInterval(timer);
      clearInterval(kubernetesServiceTimer);
    },
  };
}
