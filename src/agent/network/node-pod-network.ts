// The pod network of one node agent: picks the mode, builds the PodNetwork the runtime uses,
// and in isolated mode follows the Node's spec.podCIDR (set by the node IPAM controller) to
// set up the bridge, then routes to the pod ranges of nodes on other hosts of the LAN
// (node-routes.ts). Also does the clean-ups around the agent's life: leftovers of sandboxes
// that no longer exist at start, and the bridge at stop once no sandbox is left.
import { join } from 'node:path';
import type { Logger } from 'pino';
import { DEFAULT_CLUSTER_CIDR } from '../../api/cluster-network.ts';
import { resources } from '../../client/resources.ts';
import type { RestClient } from '../../client/rest-client.ts';
import { HostPodNetwork } from './host-network.ts';
import { IsolatedPodNetwork } from './isolated-network.ts';
import { nodeNetworkKey } from './names.ts';
import { type NetworkModeSetting, resolveNetworkMode } from './network-mode.ts';
import { NodeRoutes } from './node-routes.ts';
import { type NodeRoutesWatch, watchNodeRoutes } from './node-routes-watch.ts';
import type { PodNetwork } from './pod-network.ts';

const POD_CIDR_POLL_MS = 500;
const POD_NETWORK_RETRY_MS = 5000;

export interface NodePodNetworkOptions {
  mode?: NetworkModeSetting;
  nodeName: string;
  dataDir: string;
  /** Where the runtime keeps its records (the address allocations live beside them). */
  runtimeDir: string;
  /** Host mode: the loopback range for pod IPs. */
  loopbackPodCidr: string;
  clusterCidr?: string;
  serviceCidr?: string;
  logger: Logger;
}

export interface NodePodNetwork {
  readonly network: PodNetwork;
  /** Isolated mode: the pod range the node's bridge serves, once set up (a re-created Node keeps it). */
  readonly podCidr: string | undefined;
  /** Removes what sandboxes that no longer exist left behind (after a crash). */
  cleanUpLeftovers(liveSandboxIds: Set<string>): Promise<void>;
  /**
   * Isolated mode: waits (in the background) for the Node's podCIDR and sets up the bridge,
   * then follows the other Nodes to route their pod ranges (nodes on other hosts of the LAN).
   */
  followNode(client: RestClient): void;
  /**
   * Stops following; removes the bridge, and the routes to other nodes, when no sandbox is
   * left (pods outlive the agent otherwise).
   */
  stop(liveSandboxIds: Set<string>): Promise<void>;
}

export async function createNodePodNetwork(opts: NodePodNetworkOptions): Promise<NodePodNetwork> {
  const logger = opts.logger.child({ subsystem: 'pod-network' });
  const { mode, reason } = await resolveNetworkMode(opts.mode);
  logger.info({ mode, reason }, 'pod network mode');
  if (mode === 'host') {
    const network = HostPodNetwork.inFile(join(opts.runtimeDir, 'pod-ips.json'), opts.loopbackPodCidr);
    return {
      network,
      podCidr: undefined,
      cleanUpLeftovers: (live) => network.cleanUp(live),
      followNode() {},
      async stop() {},
    };
  }
  const network = new IsolatedPodNetwork({
    key: nodeNetworkKey(opts.nodeName, opts.dataDir),
    stateFile: join(opts.runtimeDir, 'pod-network-ips.json'),
    clusterCidr: opts.clusterCidr ?? DEFAULT_CLUSTER_CIDR,
    serviceCidr: opts.serviceCidr,
    logger,
  });
  const clusterCidr = opts.clusterCidr ?? DEFAULT_CLUSTER_CIDR;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let routes: NodeRoutesWatch | undefined;
  return {
    network,
    get podCidr() {
      return network.podCidr;
    },
    cleanUpLeftovers: (live) => network.cleanUp(live),
    followNode(client) {
      const poll = async () => {
        if (stopped) return;
        try {
          const node = await client.get(resources.nodes, undefined, opts.nodeName);
          const podCidr: string | undefined = node.spec?.podCIDR;
          if (podCidr) {
            await network.configure(podCidr);
            if (!stopped) {
              const nodeRoutes = new NodeRoutes({
                nodeName: opts.nodeName,
                bridge: network.bridge,
                podCidr: network.podCidr ?? podCidr,
                clusterCidr,
                logger,
              });
              routes = watchNodeRoutes(client, nodeRoutes, { logger });
            }
            return;
          }
        } catch (err) {
          logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'cannot set up the pod network yet; retrying');
          if (!stopped) timer = setTimeout(poll, POD_NETWORK_RETRY_MS);
          return;
        }
        if (!stopped) timer = setTimeout(poll, POD_CIDR_POLL_MS);
      };
      void poll();
    },
    async stop(live) {
      stopped = true;
      clearTimeout(timer);
      // Before the bridge goes: the routes' clean-up asks whether other bridges of the cluster remain.
      await routes?.stop({ removeRoutes: live.size === 0 }).catch((err) => {
        logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'cannot remove the routes to other nodes');
      });
      await network.cleanUp(live, { removeBridgeWhenEmpty: true });
    },
  };
}
