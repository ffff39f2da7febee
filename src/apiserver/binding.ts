// The pods/binding subresource: how a scheduler assigns a pod to a node. Served at
// POST /api/v1/namespaces/NS/pods/NAME/binding (and, for a request without a pod name,
// with the pod named by the Binding's metadata.name). Like kube-apiserver's BindingREST:
// the pod must exist, not be assigned yet, not be terminating and have no scheduling
// gates; the write sets spec.nodeName, merges the Binding's annotations and marks the
// PodScheduled condition True.
import { type FieldError, notSupported, required } from '../api/field-errors.ts';
import type { KubeObject } from '../api/resource-type.ts';
import { parseBody } from './decode-body.ts';
import type { ExtraSubresource } from './discovery.ts';
import { badRequest, conflict, invalid, methodNotAllowed } from './errors.ts';
import { readBody, writeJSON } from './http-io.ts';
import type { RequestParams, SubresourceHandler } from './resource-handler.ts';
import { type ResourceStore, rfc3339 } from './storage/resource-store.ts';

export interface PodBinding {
  podName: string;
  nodeName: string;
  annotations: Record<string, string>;
}

/** ValidatePodBinding: target.kind empty or Node, target.name set. */
export function validateBinding(binding: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const kind = binding.target?.kind;
  if (kind && kind !== 'Node') errs.push(notSupported('target.kind', kind, ['Node', '<empty>']));
  if (!binding.target?.name) errs.push(required('target.name', ''));
  return errs;
}

/**
 * Applies a binding to a pod read from storage (a copy): returns the bound pod, or throws
 * the Conflict kube-apiserver answers with. The Binding's uid and resourceVersion are storage
 * preconditions, checked before this.
 */
export function bindPod(pod: KubeObject, binding: PodBinding): KubeObject {
  const meta = pod.metadata ?? {};
  const refuse = (why: string) => conflict('', 'pods/binding', binding.podName, why);
  if (meta.deletionTimestamp) throw refuse(`pod ${meta.name} is being deleted, cannot be assigned to a host`);
  if (pod.spec?.nodeName) throw refuse(`pod ${meta.name} is already assigned to node "${pod.spec.nodeName}"`);
  if (Array.isArray(pod.spec?.schedulingGates) && pod.spec.schedulingGates.length > 0) {
    throw refuse(`pod ${meta.name} has non-empty .spec.schedulingGates`);
  }
  pod.spec = { ...(pod.spec ?? {}), nodeName: binding.nodeName };
  if (Object.keys(binding.annotations).length) meta.annotations = { ...(meta.annotations ?? {}), ...binding.annotations };
  pod.metadata = meta;
  return pod;
}

/** Sets PodScheduled=True as podutil.UpdatePodCondition does: the transition time moves only on a change. */
export function markScheduled(pod: KubeObject, now: Date): KubeObject {
  pod.status ??= {};
  const status = pod.status;
  const conditions: Record<string, any>[] = Array.isArray(status.conditions) ? status.conditions : [];
  const existing = conditions.find((c) => c?.type === 'PodScheduled');
  if (!existing) {
    conditions.push({ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: rfc3339(now) });
  } else if (existing.status !== 'True' || existing.reason || existing.message) {
    if (existing.status !== 'True') existing.lastTransitionTime = rfc3339(now);
    existing.status = 'True';
    delete existing.reason;
    delete existing.message;
  }
  status.conditions = conditions;
  return pod;
}

function decodeBinding(body: Buffer, contentType: string | undefined): KubeObject {
  const { object } = parseBody(body, contentType, 'Binding in version "v1"');
  if (object.apiVersion !== undefined && object.apiVersion !== 'v1') {
    throw badRequest(`the API version in the data (${object.apiVersion}) does not match the expected API version (v1)`);
  }
  if (object.kind !== undefined && object.kind !== 'Binding') {
    throw badRequest(`the kind in the data (${object.kind}) does not match the expected kind (Binding)`);
  }
  return object;
}

/** The SubresourceHandler for ("", "pods", "binding"). */
export const podBindingHandler: SubresourceHandler = async (p: RequestParams, rs: ResourceStore): Promise<void> => {
  const { info } = p;
  if (info.verb !== 'create') throw methodNotAllowed(`${info.verb} is not supported on pods/binding`);
  const dryRunValues = p.query.getAll('dryRun');
  for (const v of dryRunValues) if (v !== 'All') throw badRequest(`dryRun: Unsupported value: "${v}": supported values: "All"`);
  const binding = decodeBinding(await readBody(p.req), p.req.headers['content-type']);
  const bodyName: string | undefined = binding.metadata?.name;
  const podName = info.name ?? bodyName;
  if (!podName) throw invalid('', 'Binding', '', [required('metadata.name', 'name or generateName is required')]);
  if (info.name && bodyName && bodyName !== info.name) throw badRequest('name in URL does not match name in Binding object');
  const bodyNamespace: string | undefined = binding.metadata?.namespace;
  if (bodyNamespace && bodyNamespace !== info.namespace) {
    throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
  }
  // Kubernetes reports these as a plain error; a 422 tells clients not to retry.
  const errs = validateBinding(binding);
  if (errs.length) throw invalid('', 'Binding', podName, errs);

  const request: PodBinding = { podName, nodeName: binding.target.name, annotations: binding.metadata?.annotations ?? {} };
  const preconditions = { uid: binding.metadata?.uid || undefined, resourceVersion: binding.metadata?.resourceVersion || undefined };
  const now = new Date();
  const dryRun = dryRunValues.length > 0;
  // spec.nodeName is immutable to ordinary updates; the binding is the one writer allowed to
  // set it, together with the PodScheduled condition, in one write.
  await rs.guaranteedUpdate(
    info.namespace,
    podName,
    { skipUpdateValidation: true, includeStatus: true, dryRun, now },
    undefined,
    (pod) => markScheduled(bindPod(pod, request), now),
    { preconditions },
  );
  writeJSON(p.res, 201, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
};

/** Discovery entry for the subresource (pass in ApiServerOptions.extraSubresources). */
export const podBindingSubresource: ExtraSubresource = {
  group: '',
  resource: 'pods',
  subresource: 'binding',
  kind: { group: '', version: 'v1', kind: 'Binding' },
  verbs: ['create'],
};
