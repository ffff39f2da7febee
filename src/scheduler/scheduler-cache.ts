// The scheduler's picture of the cluster: nodes and the pods on them. Pods the scheduler
// has just placed are "assumed" on their node at once, before the binding is written, so
// the next decision already counts their requests; the informer later confirms them, or a
// failed binding forgets them.
import type { KubeObject } from '../api/resource-type.ts';
import type { ClusterView, StorageView } from './framework.ts';
import { NodeInfo } from './node-info.ts';
import { type PodInfo, podInfoOf } from './pod-info.ts';

/** For caches built without storage informers (tests): no claims, volumes or classes. */
const noStorage: StorageView = {
  claim: () => undefined,
  persistentVolume: () => undefined,
  persistentVolumes: () => [],
  storageClass: () => undefined,
};

interface PodState {
  info: PodInfo;
  nodeName: string;
  assumed: boolean;
}

export class SchedulerCache implements ClusterView {
  private readonly nodeInfos = new Map<string, NodeInfo>();
  private readonly podStates = new Map<string, PodState>();
  private nodeList: NodeInfo[] | undefined;
  private readonly ownerZones = new Map<string, Map<string, number>>();
  /**
   * Pods of one controlling owner per node: the same counts as NodeInfo.podsPerOwner, kept per
   * owner so spreading reads one small map for all the nodes it scores instead of one per node.
   */
  private readonly ownerNodes = new Map<string, Map<NodeInfo, number>>();
  /** Whether any listed node has pods with (anti-)affinity; undefined once nodes or such pods change. */
  private affinityPresent: { any: boolean; requiredAnti: boolean } | undefined;
  /** Nodes per zone. */
  private readonly zones = new Map<string, number>();

  constructor(
    private readonly namespaceLabelsOf: (ns: string) => Record<string, string> | undefined = () => undefined,
    private readonly storage: StorageView = noStorage,
  ) {}

  // ---- ClusterView ----

  get nodes(): readonly NodeInfo[] {
    this.nodeList ??= [...this.nodeInfos.values()].filter((n) => n.node !== undefined);
    return this.nodeList;
  }

  nodeInfo(name: string): NodeInfo | undefined {
    return this.nodeInfos.get(name);
  }

  namespaceLabels(namespace: string): Record<string, string> | undefined {
    return this.namespaceLabelsOf(namespace);
  }

  claim(namespace: string, name: string): KubeObject | undefined {
    return this.storage.claim(namespace, name);
  }

  persistentVolume(name: string): KubeObject | undefined {
    return this.storage.persistentVolume(name);
  }

  persistentVolumes(): readonly KubeObject[] {
    return this.storage.persistentVolumes();
  }

  storageClass(name: string): KubeObject | undefined {
    return this.storage.storageClass(name);
  }

  ownerPodsPerZone(ownerUid: string): ReadonlyMap<string, number> | undefined {
    return this.ownerZones.get(ownerUid);
  }

  anyPodWithAffinity(): boolean {
    return this.affinityPresence().any;
  }

  anyPodWithRequiredAntiAffinity(): boolean {
    return this.affinityPresence().requiredAnti;
  }

  /** Scans the nodes only after a change that can alter the answer, not once per pod scheduled. */
  private affinityPresence(): { any: boolean; requiredAnti: boolean } {
    this.affinityPresent ??= {
      any: this.nodes.some((n) => n.podsWithAffinity.size > 0),
      requiredAnti: this.nodes.some((n) => n.podsWithRequiredAntiAffinity.size > 0),
    };
    return this.affinityPresent;
  }

  ownerPodsPerNode(ownerUid: string): ReadonlyMap<NodeInfo, number> | undefined {
    return this.ownerNodes.get(ownerUid);
  }

  get zoneCount(): number {
    return this.zones.size;
  }

  // ---- nodes ----

  addOrUpdateNode(node: KubeObject): void {
    const name = String(node.metadata?.name);
    let info = this.nodeInfos.get(name);
    if (!info) {
      info = new NodeInfo(name);
      this.nodeInfos.set(name, info);
    }
    if (!info.node) this.nodeList = undefined;
    this.affinityPresent = undefined;
    const oldZone = info.node ? info.zone : undefined;
    info.setNode(node);
    if (oldZone !== info.zone) {
      // Move the node, and the pods on it, to its new zone.
      this.countZone(oldZone, -1);
      this.countZone(info.zone, 1);
      for (const [owner, n] of info.podsPerOwner) {
        this.countOwnerZone(owner, oldZone, -n);
        this.countOwnerZone(owner, info.zone, n);
      }
    }
  }

  private countZone(zone: string | undefined, by: number): void {
    if (zone === undefined) return;
    const n = (this.zones.get(zone) ?? 0) + by;
    if (n > 0) this.zones.set(zone, n);
    else this.zones.delete(zone);
  }

  private countOwnerZone(owner: string | undefined, zone: string | undefined, by: number): void {
    if (owner === undefined || zone === undefined || by === 0) return;
    let perZone = this.ownerZones.get(owner);
    if (!perZone) {
      perZone = new Map();
      this.ownerZones.set(owner, perZone);
    }
    const n = (perZone.get(zone) ?? 0) + by;
    if (n > 0) perZone.set(zone, n);
    else perZone.delete(zone);
    if (perZone.size === 0) this.ownerZones.delete(owner);
  }

  removeNode(node: KubeObject): void {
    const name = String(node.metadata?.name);
    const info = this.nodeInfos.get(name);
    if (!info) return;
    this.nodeList = undefined;
    this.affinityPresent = undefined;
    this.countZone(info.zone, -1);
    for (const [owner, n] of info.podsPerOwner) this.countOwnerZone(owner, info.zone, -n);
    info.zone = undefined;
    // Pods still pointing at it keep being counted until they are gone too.
    if (info.pods.size === 0) this.nodeInfos.delete(name);
    else info.node = undefined;
  }

  // ---- pods ----

  /** The scheduler decided: count the pod on the node now. */
  assumePod(info: PodInfo, nodeName: string): void {
    const existing = this.podStates.get(info.uid);
    if (existing) this.detach(existing);
    const state: PodState = { info, nodeName, assumed: true };
    this.podStates.set(info.uid, state);
    this.attach(state);
  }

  /** The binding failed: take the assumed pod off its node again. */
  forgetPod(info: PodInfo): void {
    const state = this.podStates.get(info.uid);
    if (!state?.assumed) return;
    this.detach(state);
    this.podStates.delete(info.uid);
  }

  isAssumed(uid: string): boolean {
    return this.podStates.get(uid)?.assumed === true;
  }

  /** A pod bound to a node (seen through the informer): add, confirm an assumed one, or update. */
  addOrUpdatePod(pod: KubeObject): void {
    const info = podInfoOf(pod);
    if (!info.nodeName) return;
    const existing = this.podStates.get(info.uid);
    if (existing) this.detach(existing);
    const state: PodState = { info, nodeName: info.nodeName, assumed: false };
    this.podStates.set(info.uid, state);
    this.attach(state);
  }

  removePod(pod: KubeObject): void {
    const uid = String(pod.metadata?.uid ?? '');
    const state = this.podStates.get(uid);
    if (!state) return;
    this.detach(state);
    this.podStates.delete(uid);
  }

  podCount(): number {
    return this.podStates.size;
  }

  private attach(state: PodState): void {
    let info = this.nodeInfos.get(state.nodeName);
    if (!info) {
      info = new NodeInfo(state.nodeName);
      this.nodeInfos.set(state.nodeName, info);
    }
    const replaced = info.pods.get(state.info.uid);
    const sizes = affinitySizes(info);
    info.addPod(state.info);
    if (affinitySizes(info) !== sizes) this.affinityPresent = undefined;
    this.syncOwnerNode(info, replaced?.ownerUid);
    this.syncOwnerNode(info, state.info.ownerUid);
    if (info.node) this.countOwnerZone(state.info.ownerUid, info.zone, 1);
  }

  /** Copies the node's count of the owner's pods into ownerNodes. */
  private syncOwnerNode(info: NodeInfo, owner: string | undefined): void {
    if (owner === undefined) return;
    const n = info.podsPerOwner.get(owner) ?? 0;
    let perNode = this.ownerNodes.get(owner);
    if (n > 0) {
      if (!perNode) {
        perNode = new Map();
        this.ownerNodes.set(owner, perNode);
      }
      perNode.set(info, n);
    } else if (perNode) {
      perNode.delete(info);
      if (perNode.size === 0) this.ownerNodes.delete(owner);
    }
  }

  private detach(state: PodState): void {
    const info = this.nodeInfos.get(state.nodeName);
    if (!info) return;
    const stored = info.pods.get(state.info.uid);
    const sizes = affinitySizes(info);
    const removed = info.removePod(state.info);
    if (affinitySizes(info) !== sizes) this.affinityPresent = undefined;
    this.syncOwnerNode(info, stored?.ownerUid);
    if (removed && info.node) this.countOwnerZone(state.info.ownerUid, info.zone, -1);
    if (!info.node && info.pods.size === 0) this.nodeInfos.delete(state.nodeName);
  }
}

/** Both affinity set sizes of a node in one comparable value. */
function affinitySizes(info: NodeInfo): string {
  return `${info.podsWithAffinity.size}/${info.podsWithRequiredAntiAffinity.size}`;
}
