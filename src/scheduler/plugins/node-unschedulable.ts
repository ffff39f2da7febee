// NodeUnschedulable: a cordoned node (spec.unschedulable) takes only pods tolerating the
// node.kubernetes.io/unschedulable:NoSchedule taint.
import { type FilterPlugin, fail } from '../framework.ts';
import { tolerated } from './taint-toleration.ts';

const unschedulableTaint = { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' };

export const nodeUnschedulableFilter: FilterPlugin<undefined> = {
  name: 'NodeUnschedulable',
  filter(pod, node) {
    if (!node.unschedulable || tolerated(pod.tolerations, unschedulableTaint)) return undefined;
    return fail('NodeUnschedulable', 'UnschedulableAndUnresolvable', 'node(s) were unschedulable');
  },
};
