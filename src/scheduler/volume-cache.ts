// The scheduler's view of claims, volumes and storage classes: the informers' caches, plus
// the node choices made for WaitForFirstConsumer claims whose annotation the API server has
// not echoed back yet (kube-scheduler's AssumeCache). Without them, a second pod sharing a
// claim could be sent to another node in the moment before the first choice is visible.

import { claimKey, selectedNodeAnnotation } from '../api/kinds/core/volume-claims.ts';
import type { KubeObject } from '../api/resource-type.ts';
import type { Informer } from '../client/informer.ts';
import type { StorageView } from './framework.ts';

interface AssumedClaim {
  /** The informer's copy with the chosen node set on it. */
  claim: KubeObject;
  /** The informer version it was made from: any newer version replaces it. */
  resourceVersion: string | undefined;
}

export class VolumeCache implements StorageView {
  private readonly assumed = new Map<string, AssumedClaim>();

  constructor(
    private readonly claims: Informer,
    private readonly volumes: Informer,
    private readonly classes: Informer,
  ) {}

  claim(namespace: string, name: string): KubeObject | undefined {
    const stored = this.claims.get(namespace, name);
    const key = `${namespace}/${name}`;
    const assumed = this.assumed.get(key);
    if (!assumed) return stored;
    if (stored && stored.metadata?.resourceVersion === assumed.resourceVersion) return assumed.claim;
    // The API server's version moved on (our annotation, or something newer): it wins.
    this.assumed.delete(key);
    return stored;
  }

  /** The informer's copy, without assumptions. */
  storedClaim(namespace: string, name: string): KubeObject | undefined {
    return this.claims.get(namespace, name);
  }

  persistentVolume(name: string): KubeObject | undefined {
    return this.volumes.get(undefined, name);
  }

  persistentVolumes(): readonly KubeObject[] {
    return this.volumes.list();
  }

  storageClass(name: string): KubeObject | undefined {
    return this.classes.get(undefined, name);
  }

  /** Shows the claim as sent to `nodeName` until the informer has a newer version of it. */
  assumeSelectedNode(claim: KubeObject, nodeName: string): void {
    const stored = this.claims.get(claim.metadata?.namespace, claim.metadata!.name!);
    if (!stored || stored.metadata?.annotations?.[selectedNodeAnnotation] === nodeName) return;
    const annotated = {
      ...stored,
      metadata: { ...stored.metadata, annotations: { ...stored.metadata?.annotations, [selectedNodeAnnotation]: nodeName } },
    };
    this.assumed.set(claimKey(stored), { claim: annotated, resourceVersion: stored.metadata?.resourceVersion });
  }

  /** The binding failed: the claim is what the API server says again. */
  forget(claim: KubeObject): void {
    this.assumed.delete(claimKey(claim));
  }
}
