// Creating and deleting pods on behalf of a controller (Kubernetes' RealPodControl): pods
// are stamped from the owner's template with a controller ownerReference, and every
// attempt is recorded as an Event on the owner (SuccessfulCreate, FailedCreate,
// SuccessfulDelete, FailedDelete) so `kubectl describe` shows what the controller did.
import type { KubeObject } from '../api/resource-type.ts';
import { ApiError, isConflict, isNotFound } from '../client/api-error.ts';
import { resources } from '../client/resources.ts';
import type { RestClient } from '../client/rest-client.ts';
import { controllerRefFor, type GroupVersionKind } from './controller-ref.ts';
import type { EventRecorder } from './framework/event-recorder.ts';

export interface PodTemplateSpec {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string>; finalizers?: string[]; [k: string]: unknown };
  spec?: Record<string, any>;
}

export interface CreatePodOptions {
  /** Defaults to "<owner name>-" (the server appends a random suffix). Ignored when name is set. */
  generateName?: string;
  /** A fixed pod name (StatefulSet identities). */
  name?: string;
  /** Merged over the template's labels (e.g. controller-revision-hash). */
  extraLabels?: Record<string, string>;
  /** Merged over the template's annotations. */
  extraAnnotations?: Record<string, string>;
  /** The owner's apiVersion/kind when the owner object lacks them. */
  ownerKind?: GroupVersionKind;
  /** Changes to the pod before it is sent (e.g. a DaemonSet's node affinity). */
  mutate?: (pod: KubeObject) => void;
}

export type PodControlClient = Pick<RestClient, 'create' | 'delete'>;

export const NAMESPACE_TERMINATING_CAUSE = 'NamespaceTerminating';

/** The create was refused because the namespace is being deleted (nothing to report then). */
export function isNamespaceTerminating(err: unknown): boolean {
  return err instanceof ApiError && (err.details?.causes ?? []).some((c) => c.reason === NAMESPACE_TERMINATING_CAUSE);
}

/** Kubernetes' getPodsPrefix: "<name>-", shortened so the generated name stays a valid pod name. */
export function podNamePrefix(ownerName: string): string {
  // generateName gets 5 random characters appended; names are at most 253 characters.
  return `${ownerName}-`.slice(0, 253 - 5);
}

/** The pod a controller would create from `template` (Kubernetes' GetPodFromTemplate). */
export function podFromTemplate(template: PodTemplateSpec, owner: KubeObject, opts: CreatePodOptions = {}): KubeObject {
  const meta = template.metadata ?? {};
  const labels = { ...(meta.labels ?? {}), ...(opts.extraLabels ?? {}) };
  const annotations = { ...(meta.annotations ?? {}), ...(opts.extraAnnotations ?? {}) };
  const metadata: Record<string, any> = {
    labels,
    ownerReferences: [controllerRefFor(owner, opts.ownerKind)],
  };
  if (Object.keys(annotations).length) metadata.annotations = annotations;
  if (meta.finalizers?.length) metadata.finalizers = [...meta.finalizers];
  if (opts.name) metadata.name = opts.name;
  else metadata.generateName = opts.generateName ?? podNamePrefix(owner.metadata?.name ?? '');
  const pod: KubeObject = { apiVersion: 'v1', kind: 'Pod', metadata, spec: structuredClone(template.spec ?? {}) };
  opts.mutate?.(pod);
  return pod;
}

export type DeleteOutcome = 'deleted' | 'gone';

export class PodControl {
  constructor(
    private readonly client: PodControlClient,
    private readonly recorder: Pick<EventRecorder, 'normal' | 'warning'>,
  ) {}

  /** Creates one pod from the template; records the outcome on the owner. Throws the API error on failure. */
  async createPod(namespace: string, template: PodTemplateSpec, owner: KubeObject, opts: CreatePodOptions = {}): Promise<KubeObject> {
    const pod = podFromTemplate(template, owner, opts);
    if (!Object.keys(pod.metadata?.labels ?? {}).length) {
      throw new Error('unable to create pods, no labels');
    }
    let created: KubeObject;
    try {
      created = await this.client.create(resources.pods, namespace, pod);
    } catch (err) {
      // Kubernetes stays quiet when the namespace is going away: the failure is expected.
      if (!isNamespaceTerminating(err)) this.recorder.warning(owner, 'FailedCreate', `Error creating: ${errorText(err)}`);
      throw err;
    }
    this.recorder.normal(owner, 'SuccessfulCreate', `Created pod: ${created.metadata?.name}`);
    return created;
  }

  /**
   * Deletes a pod (only the incarnation with `uid` when given). Resolves 'gone' when it no
   * longer exists (or was replaced by another pod of the same name); throws other errors.
   */
  async deletePod(namespace: string, name: string, uid: string | undefined, owner: KubeObject): Promise<DeleteOutcome> {
    try {
      await this.client.delete(resources.pods, namespace, name, uid ? { preconditions: { uid } } : {});
    } catch (err) {
      if (isNotFound(err) || (uid && isConflict(err))) return 'gone';
      this.recorder.warning(owner, 'FailedDelete', `Error deleting: ${errorText(err)}`);
      throw err;
    }
    this.recorder.normal(owner, 'SuccessfulDelete', `Deleted pod: ${name}`);
    return 'deleted';
  }
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
