// Per-resource hooks around ResourceStore writes, for work that must happen together with
// the write, such as reserving a Service's ClusterIP and node ports (kube-apiserver's
// BeginCreate/BeginUpdate transactions). Kinds without hooks pay nothing.
import type { KubeObject } from '../../api/resource-type.ts';

export interface WriteHookTransaction {
  /** The write succeeded: finish (e.g. release what the old object held and the new one does not). */
  commit(): Promise<void>;
  /** The write failed or was a dry run: undo what beforeWrite did. */
  revert(): Promise<void>;
}

export interface ResourceWriteHooks {
  /**
   * Runs after validation, right before the object is stored; may fill fields of `next`.
   * `old` is undefined on create. Throws a StatusError to refuse the write.
   */
  beforeWrite(old: KubeObject | undefined, next: KubeObject): Promise<WriteHookTransaction>;
  /** Runs after the object is removed from the store. */
  afterDelete(obj: KubeObject): Promise<void>;
}
