// NodeName: a pod that names its node fits only there.
import { type FilterPlugin, fail } from '../framework.ts';

export const nodeNameFilter: FilterPlugin<undefined> = {
  name: 'NodeName',
  filter(pod, node) {
    if (!pod.nodeName || pod.nodeName === node.name) return undefined;
    return fail('NodeName', 'UnschedulableAndUnresolvable', "node(s) didn't match the requested node name");
  },
};
