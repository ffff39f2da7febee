// The bind step for WaitForFirstConsumer claims (kube-scheduler's VolumeBinding Reserve and
// PreBind): once the node is chosen, each unbound claim of the pod is annotated with it
// (volume.kubernetes.io/selected-node), and the pod is bound only after the PV controller has
// bound every such claim, to a matching volume on that node or one it provisioned there.
// Waiting happens in the background, through the claim informer, within a time limit.

import { claimKey, isClaimBound, podClaims, selectedNodeAnnotation, waitsForFirstConsumer } from '../api/kinds/core/volume-claims.ts';
import type { KubeObject } from '../api/resource-type.ts';
import type { Informer } from '../client/informer.ts';
import { resources } from '../client/resources.ts';
import type { RestClient } from '../client/rest-client.ts';
import type { PodInfo } from './pod-info.ts';
import type { VolumeCache } from './volume-cache.ts';

/** kube-scheduler's default bindTimeoutSeconds. */
export const defaultVolumeBindingTimeoutMs = 60_000;

/** What Go's context errors say, since Kubernetes users know these texts. */
const deadlineExceeded = 'context deadline exceeded';
const canceled = 'context canceled';

type ClaimListener = (claim: KubeObject | undefined) => void;

export class VolumeBinder {
  /** Claims being waited for, by "namespace/name". */
  private readonly listeners = new Map<string, Set<ClaimListener>>();
  private readonly removeHandler: () => void;

  constructor(
    private readonly client: RestClient,
    claimInformer: Informer,
    private readonly volumes: VolumeCache,
    private readonly timeoutMs = defaultVolumeBindingTimeoutMs,
  ) {
    this.removeHandler = claimInformer.addEventHandler({
      onAdd: (claim) => this.notify(claimKey(claim), claim),
      onUpdate: (_old, claim) => this.notify(claimKey(claim), claim),
      onDelete: (claim) => this.notify(claimKey(claim), undefined),
    });
  }

  /** Stops following the claim informer. */
  stop(): void {
    this.removeHandler();
  }

  /** The pod's claims that wait for this scheduling decision: unbound, WaitForFirstConsumer. */
  claimsToBind(pod: PodInfo): KubeObject[] {
    const claims: KubeObject[] = [];
    for (const ref of podClaims(pod.pod)) {
      const claim = this.volumes.claim(pod.namespace, ref.name);
      if (claim && waitsForFirstConsumer(claim, this.volumes)) claims.push(claim);
    }
    return claims;
  }

  /** Reserve: the next decision already sees these claims sent to the node. */
  assume(claims: KubeObject[], nodeName: string): void {
    for (const claim of claims) this.volumes.assumeSelectedNode(claim, nodeName);
  }

  /** Unreserve: the binding failed. */
  forget(claims: KubeObject[]): void {
    for (const claim of claims) this.volumes.forget(claim);
  }

  /**
   * PreBind: annotate the claims with the node, then wait until all are bound. Rejects with
   * the API error of a failed annotation, or "binding volumes: …" when waiting fails (the
   * time limit passed, a claim was deleted, or the PV controller gave the node back).
   */
  async bindVolumes(claims: KubeObject[], nodeName: string, signal: AbortSignal): Promise<void> {
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(new Error(deadlineExceeded)), this.timeoutMs);
    const cancel = () => deadline.abort(new Error(canceled));
    if (signal.aborted) cancel();
    signal.addEventListener('abort', cancel, { once: true });
    let waiting = false;
    try {
      for (const claim of claims) await this.selectNode(claim, nodeName, deadline.signal);
      waiting = true;
      await Promise.all(claims.map((claim) => this.waitUntilBound(claim, nodeName, deadline.signal)));
    } catch (err) {
      if (!waiting && !deadline.signal.aborted) throw err;
      const why = deadline.signal.aborted ? (deadline.signal.reason as Error).message : (err as Error).message;
      throw new Error(`binding volumes: ${why}`);
    } finally {
      clearTimeout(timer);
      signal.removeEventListener('abort', cancel);
      // Releases the waits still listening when another one failed first.
      deadline.abort(new Error(canceled));
    }
  }

  private async selectNode(claim: KubeObject, nodeName: string, signal: AbortSignal): Promise<void> {
    const { namespace, name } = claim.metadata as { namespace: string; name: string };
    if (this.volumes.storedClaim(namespace, name)?.metadata?.annotations?.[selectedNodeAnnotation] === nodeName) return;
    signal.throwIfAborted();
    const annotate = { metadata: { annotations: { [selectedNodeAnnotation]: nodeName } } };
    await this.client.patch(resources.persistentVolumeClaims, namespace, name, annotate, 'merge', { signal });
  }

  private waitUntilBound(claim: KubeObject, nodeName: string, signal: AbortSignal): Promise<void> {
    const { namespace, name } = claim.metadata as { namespace: string; name: string };
    const key = `${namespace}/${name}`;
    return new Promise<void>((resolve, reject) => {
      // The informer may not show the annotation yet; once it has, losing it means the PV
      // controller gave up on this node (it could not provision there).
      let sawSelection = false;
      const settle = (err?: Error) => {
        this.unlisten(key, check);
        signal.removeEventListener('abort', aborted);
        if (err) reject(err);
        else resolve();
      };
      const check: ClaimListener = (current) => {
        if (!current) return settle(new Error(`persistentvolumeclaim "${name}" not found`));
        if (isClaimBound(current)) return settle();
        const selected = current.metadata?.annotations?.[selectedNodeAnnotation];
        if (selected === nodeName) sawSelection = true;
        else if (sawSelection) return settle(new Error(`selectedNode annotation reset for PVC "${name}"`));
      };
      const aborted = () => settle(signal.reason instanceof Error ? signal.reason : new Error(canceled));
      if (signal.aborted) return aborted();
      signal.addEventListener('abort', aborted, { once: true });
      this.listen(key, check);
      check(this.volumes.storedClaim(namespace, name));
    });
  }

  private listen(key: string, listener: ClaimListener): void {
    let set = this.listeners.get(key);
    if (!set) {
      set = new Set();
      this.listeners.set(key, set);
    }
    set.add(listener);
  }

  private unlisten(key: string, listener: ClaimListener): void {
    const set = this.listeners.get(key);
    if (!set) return;
    set.delete(listener);
    if (set.size === 0) this.listeners.delete(key);
  }

  private notify(key: string, claim: KubeObject | undefined): void {
    const set = this.listeners.get(key);
    if (set) for (const listener of [...set]) listener(claim);
  }
}
