// The serviceaccounts/NAME/token subresource (POST authentication.k8s.io/v1 TokenRequest), what
// `kubectl create token` and the node agents use: issues a service account token for the
// given audiences and lifetime, optionally bound to a pod. Defaults, checks and messages follow
// kube-apiserver's TokenREST.

import { invalid as invalidField } from '../api/field-errors.ts';
import { tokenExpirationProblem } from '../api/kinds/core/serviceaccount.ts';
import type { KubeObject } from '../api/resource-type.ts';
import type { ApiRegistry } from './api-registry.ts';
import { parseBody } from './decode-body.ts';
import type { ExtraSubresource } from './discovery.ts';
import { badRequest, conflict, invalid, methodNotAllowed } from './errors.ts';
import { readBody, writeJSON } from './http-io.ts';
import type { RequestParams, SubresourceHandler } from './resource-handler.ts';
import type { ServiceAccountTokens } from './service-account-tokens.ts';
import { type ResourceStore, rfc3339 } from './storage/resource-store.ts';

export const tokenRequestSubresource: ExtraSubresource = {
  group: '',
  resource: 'serviceaccounts',
  subresource: 'token',
  kind: { group: 'authentication.k8s.io', version: 'v1', kind: 'TokenRequest' },
  verbs: ['create'],
};

const DEFAULT_EXPIRATION_SECONDS = 3600;

export function tokenRequestHandler(tokens: ServiceAccountTokens, registry: ApiRegistry): SubresourceHandler {
  return async (p: RequestParams, serviceAccounts: ResourceStore): Promise<void> => {
    const { info } = p;
    if (info.verb !== 'create' || !info.name || !info.namespace) {
      throw methodNotAllowed('the server does not allow this method on the requested resource');
    }
    const request = parseBody(await readBody(p.req), p.req.headers['content-type'], 'TokenRequest in version "v1"').object;
    const sa = await serviceAccounts.get(info.namespace, info.name);
    const { name, namespace } = request.metadata ?? {};
    if (name && name !== info.name) {
      throw invalid('authentication.k8s.io', 'TokenRequest', name, [
        invalidField('metadata.name', name, 'must match the service account name if specified'),
      ]);
    }
    if (namespace && namespace !== info.namespace) {
      throw invalid('authentication.k8s.io', 'TokenRequest', info.name, [
        invalidField('metadata.namespace', namespace, 'must match the service account namespace if specified'),
      ]);
    }
    const spec: KubeObject = request.spec ?? {};
    const expirationSeconds = spec.expirationSeconds ?? DEFAULT_EXPIRATION_SECONDS;
    if (!Number.isInteger(expirationSeconds)) {
      throw badRequest(`TokenRequest in version "v1": spec.expirationSeconds must be an integer, got ${JSON.stringify(expirationSeconds)}`);
    }
    const problem = tokenExpirationProblem(expirationSeconds);
    if (problem) {
      throw invalid('authentication.k8s.io', 'TokenRequest', info.name, [
        invalidField('spec.expirationSeconds', expirationSeconds, problem),
      ]);
    }
    const audiences: string[] = Array.isArray(spec.audiences) && spec.audiences.length > 0 ? spec.audiences : tokens.apiAudiences;
    if (!audiences.every((a) => typeof a === 'string')) {
      throw badRequest('TokenRequest in version "v1": spec.audiences must be strings');
    }
    const boundPod = await boundPodOf(registry, spec.boundObjectRef, info.namespace, info.name);
    const nodeName: unknown = boundPod?.spec?.nodeName;
    const podNode =
      typeof nodeName === 'string' && nodeName ? await registry.lookup('', 'v1', 'nodes')?.tryGet(undefined, nodeName) : undefined;
    const { token, expiresAt } = await tokens.issue({
      namespace: info.namespace,
      serviceAccount: sa,
      audiences,
      expirationSeconds,
      boundPod,
      podNode,
    });
    writeJSON(p.res, 201, {
      kind: 'TokenRequest',
      apiVersion: 'authentication.k8s.io/v1',
      metadata: { name: info.name, namespace: info.namespace, creationTimestamp: null },
      spec: { audiences, expirationSeconds, boundObjectRef: spec.boundObjectRef ?? null },
      status: { token, expirationTimestamp: rfc3339(expiresAt) },
    });
  };
}

/** The pod a token is to be bound to; Hale binds tokens to pods only (not Secrets or Nodes). */
async function boundPodOf(
  registry: ApiRegistry,
  ref: KubeObject | undefined,
  namespace: string,
  saName: string,
): Promise<KubeObject | undefined> {
  if (!ref) return undefined;
  if (ref.kind !== 'Pod') throw badRequest(`cannot bind token for serviceaccount "${saName}" to object of kind "${ref.kind ?? ''}"`);
  const pods = registry.lookup('', 'v1', 'pods');
  if (!pods) throw badRequest('pods are not served');
  const pod = await pods.get(namespace, ref.name ?? '');
  // kube-apiserver checks the account first, then the uid (naming the resource by its Kind).
  if ((pod.spec?.serviceAccountName || 'default') !== saName) {
    throw badRequest(`cannot bind token for serviceaccount "${saName}" to pod running with different serviceaccount name.`);
  }
  if (ref.uid && ref.uid !== pod.metadata?.uid) {
    throw conflict(
      '',
      'Pod',
      ref.name,
      `the UID in the bound object reference (${ref.uid}) does not match the UID in record. The object might have been deleted and then recreated`,
    );
  }
  return pod;
}
