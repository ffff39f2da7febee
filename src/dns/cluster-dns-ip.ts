// The default --cluster-dns, shared by the server (the kube-dns Service) and the agents
// (pods' resolv.conf): as k3s, the tenth address of the service CIDR (10.43.0.10).
import { DEFAULT_SERVICE_CIDR } from '../api/cluster-network.ts';
import { nthIP, parseIPv4Range } from '../apiserver/service-allocation/ip-range.ts';

export function clusterDnsIPFor(serviceCidr: string = DEFAULT_SERVICE_CIDR): string {
  return nthIP(parseIPv4Range(serviceCidr), 10);
}
