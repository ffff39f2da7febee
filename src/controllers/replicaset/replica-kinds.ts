// What differs between apps/v1 ReplicaSets and core/v1 ReplicationControllers for the one
// replica controller that serves both: the resource, the kind in ownerReferences and
// events, and the selector's shape (a LabelSelector versus a plain label map).
import type { KubeObject } from '../../api/resource-type.ts';
import { type LabelMatcher, labelSelectorFromObject, labelSelectorFromSet, nothing } from '../../api/selectors/label-selector.ts';
import type { ResourceDescriptor } from '../../client/resource-path.ts';
import { resources } from '../../client/resources.ts';
import type { GroupVersionKind } from '../controller-ref.ts';

export interface ReplicaKind {
  /** The controller's name in logs and metrics. */
  controllerName: string;
  /** Events' source component, as Kubernetes names it. */
  eventComponent: string;
  resource: ResourceDescriptor;
  gvk: GroupVersionKind;
  /** The selector of the pods the object controls; throws when it is invalid. */
  selectorOf(obj: KubeObject): LabelMatcher;
}

export const replicaSetKind: ReplicaKind = {
  controllerName: 'replicaset',
  eventComponent: 'replicaset-controller',
  resource: resources.replicaSets,
  gvk: { apiVersion: 'apps/v1', kind: 'ReplicaSet' },
  selectorOf: (rs) => labelSelectorFromObject(rs.spec?.selector),
};

export const replicationControllerKind: ReplicaKind = {
  controllerName: 'replicationcontroller',
  eventComponent: 'replication-controller',
  resource: resources.replicationControllers,
  gvk: { apiVersion: 'v1', kind: 'ReplicationController' },
  // An empty map would select every pod in the namespace; validation forbids it, so match nothing.
  selectorOf: (rc) => {
    const selector = rc.spec?.selector;
    return selector && Object.keys(selector).length ? labelSelectorFromSet(selector) : nothing();
  },
};
