// NodeReady: a node whose Ready condition is not True takes only pods that tolerate the
// not-ready (or unreachable) taint Kubernetes would put on it — DaemonSet pods do.
import { type FilterPlugin, fail } from '../framework.ts';
import { tolerated, untoleratedTaintMessage } from './taint-toleration.ts';

export const nodeReadyFilter: FilterPlugin<undefined> = {
  name: 'NodeReady',
  filter(pod, node) {
    const taint = node.readinessTaint;
    if (!taint || tolerated(pod.tolerations, taint)) return undefined;
    return fail('NodeReady', 'UnschedulableAndUnresolvable', untoleratedTaintMessage(taint));
  },
};
