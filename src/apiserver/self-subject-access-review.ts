// `kubectl auth can-i`: answers a SelfSubjectAccessReview, and with --list a
// SelfSubjectRulesReview. Every authenticated user is allowed everything (RBAC objects are
// served but not enforced; documented in docs/differences.md).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { UserInfo } from './auth.ts';
import { parseBody } from './decode-body.ts';
import { badRequest } from './errors.ts';
import { readBody, writeJSON } from './http-io.ts';

export async function selfSubjectAccessReview(req: IncomingMessage, res: ServerResponse, user: UserInfo | undefined): Promise<void> {
  const { object } = parseBody(await readBody(req), req.headers['content-type'], 'SelfSubjectAccessReview in version "v1"');
  const spec = object.spec ?? {};
  if (!spec.resourceAttributes && !spec.nonResourceAttributes) {
    throw badRequest(
      'SelfSubjectAccessReview.authorization.k8s.io "" is invalid: spec: Invalid value: ...: exactly one of nonResourceAttributes or resourceAttributes must be specified',
    );
  }
  const allowed = user !== undefined;
  writeJSON(res, 201, {
    kind: 'SelfSubjectAccessReview',
    apiVersion: 'authorization.k8s.io/v1',
    metadata: { creationTimestamp: null },
    spec,
    status: { allowed, ...(allowed ? { reason: 'hale: authenticated users are cluster administrators' } : {}) },
  });
}

/** Everything, for an authenticated user: what kube-apiserver lists for cluster-admin. */
export async function selfSubjectRulesReview(req: IncomingMessage, res: ServerResponse, user: UserInfo | undefined): Promise<void> {
  const { object } = parseBody(await readBody(req), req.headers['content-type'], 'SelfSubjectRulesReview in version "v1"');
  const everything = user !== undefined;
  writeJSON(res, 201, {
    kind: 'SelfSubjectRulesReview',
    apiVersion: 'authorization.k8s.io/v1',
    metadata: { creationTimestamp: null },
    spec: object.spec ?? {},
    status: {
      resourceRules: everything ? [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }] : [],
      nonResourceRules: everything ? [{ verbs: ['*'], nonResourceURLs: ['*'] }] : [],
      incomplete: false,
    },
  });
}
