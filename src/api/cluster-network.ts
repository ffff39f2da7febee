// Cluster-wide network settings shared by the API server (Service IPs and node ports), the
// controllers (node pod CIDRs), the node agents (pod network, resolv.conf), the proxy and
// the cluster DNS server. The defaults are k3s' so users who know k3s find familiar ranges;
// each is a flag on `hale server` (and, where a node needs it, on `hale agent`).

/** Pod addresses in the isolated pod network; each node gets one /NODE_CIDR_MASK_SIZE of it. */
export const DEFAULT_CLUSTER_CIDR = '10.42.0.0/16';
export const DEFAULT_NODE_CIDR_MASK_SIZE = 24;

/** Service ClusterIPs. The first address is the `kubernetes` Service, the tenth the DNS Service. */
export const DEFAULT_SERVICE_CIDR = '10.43.0.0/16';
export const DEFAULT_CLUSTER_DNS_IP = '10.43.0.10';
export const DEFAULT_CLUSTER_DOMAIN = 'cluster.local';

/** NodePort range, as Kubernetes' --service-node-port-range. */
export const DEFAULT_NODE_PORT_RANGE = { first: 30000, last: 32767 } as const;
