// Routes events of owned objects (pods, ControllerRevisions, claims) to the keys of their
// owning controller objects, as Kubernetes' controllers do: the controllerRef's owner when
// it still exists as that incarnation, otherwise every owner whose selector could adopt the
// object. Pod events also settle the owner's creation/deletion expectations.
import type { KubeObject } from '../../api/resource-type.ts';
import { type LabelMatcher, labelSelectorFromObject } from '../../api/selectors/label-selector.ts';
import { keyOf, objectKey } from '../../client/indexer.ts';
import type { Informer } from '../../client/informer.ts';
import { getControllerOf } from '../controller-ref.ts';
import type { Expectations } from './expectations.ts';

/** The owner's spec.selector as a matcher; undefined when empty or invalid (it selects nothing). */
export function ownerSelector(owner: KubeObject): LabelMatcher | undefined {
  try {
    const selector = labelSelectorFromObject(owner.spec?.selector);
    return selector.empty() ? undefined : selector;
  } catch {
    return undefined;
  }
}

export class OwnedObjectEvents {
  constructor(
    /** Kind named in controller references, e.g. "StatefulSet". */
    private readonly ownerKind: string,
    private readonly owners: Informer,
    private readonly expectations: Expectations,
    private readonly enqueue: (key: string) => void,
  ) {}

  /** The owner named by the object's controller reference, if it still exists as that incarnation. */
  owner(obj: KubeObject): KubeObject | undefined {
    const ref = getControllerOf(obj);
    if (ref?.kind !== this.ownerKind) return undefined;
    const owner = this.owners.get(obj.metadata?.namespace, ref.name);
    return owner?.metadata?.uid === ref.uid ? owner : undefined;
  }

  /** Owners in the object's namespace whose selector matches its labels (possible adopters). */
  enqueueMatching(obj: KubeObject): void {
    for (const owner of this.owners.list(obj.metadata?.namespace ?? '')) {
      if (ownerSelector(owner)?.matches(obj.metadata?.labels)) this.enqueue(objectKey(owner));
    }
  }

  enqueueOwnerOrMatching(obj: KubeObject): void {
    const ref = getControllerOf(obj);
    if (ref) {
      if (ref.kind === this.ownerKind) this.enqueue(keyOf(obj.metadata?.namespace, ref.name));
      return;
    }
    this.enqueueMatching(obj);
  }

  podAdded(pod: KubeObject): void {
    if (pod.metadata?.deletionTimestamp) {
      this.podDeleted(pod);
      return;
    }
    const owner = this.owner(pod);
    if (owner) {
      this.expectations.creationObserved(objectKey(owner));
      this.enqueue(objectKey(owner));
      return;
    }
    if (!getControllerOf(pod)) this.enqueueMatching(pod);
  }

  podUpdated(old: KubeObject, pod: KubeObject): void {
    if (old.metadata?.resourceVersion === pod.metadata?.resourceVersion) return;
    const owner = this.owner(pod);
    if (owner && pod.metadata?.deletionTimestamp && !old.metadata?.deletionTimestamp) {
      this.expectations.deletionObserved(objectKey(owner), pod.metadata?.uid);
    }
    if (getControllerOf(old)?.uid !== getControllerOf(pod)?.uid) this.enqueueOwnerOrMatching(old);
    if (owner) this.enqueue(objectKey(owner));
    else if (!getControllerOf(pod)) this.enqueueMatching(pod);
  }

  podDeleted(pod: KubeObject): void {
    const ref = getControllerOf(pod);
    if (ref?.kind !== this.ownerKind) return;
    const key = keyOf(pod.metadata?.namespace, ref.name);
    this.expectations.deletionObserved(key, pod.metadata?.uid);
    this.enqueue(key);
  }
}
