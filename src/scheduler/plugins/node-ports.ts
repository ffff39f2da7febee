// NodePorts: two pods cannot hold the same host port (protocol, port) on one node unless
// they bind different specific host IPs.
import { type FilterPlugin, fail } from '../framework.ts';
import type { HostPort } from '../pod-info.ts';

const wildcard = '0.0.0.0';

export function portsConflict(a: HostPort, b: HostPort): boolean {
  if (a.port !== b.port || a.protocol !== b.protocol) return false;
  return a.hostIP === b.hostIP || a.hostIP === wildcard || b.hostIP === wildcard;
}

export const nodePortsFilter: FilterPlugin<undefined> = {
  name: 'NodePorts',
  filter(pod, node) {
    if (pod.hostPorts.length === 0 || node.usedPorts.length === 0) return undefined;
    for (const wanted of pod.hostPorts) {
      if (node.usedPorts.some((used) => portsConflict(wanted, used))) {
        return fail('NodePorts', 'Unschedulable', "node(s) didn't have free ports for the requested pod ports");
      }
    }
    return undefined;
  },
};
