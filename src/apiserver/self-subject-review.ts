// `kubectl auth whoami`: answers a SelfSubjectReview with the user this request was
// authenticated as (the body carries nothing the answer depends on). kubectl 1.27 asks in
// v1beta1, later ones in v1 (the only version discovery lists); both have the same shape.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { UserInfo } from './auth.ts';
import { parseBody } from './decode-body.ts';
import { readBody, writeJSON } from './http-io.ts';
import type { ResourceRequest } from './request-info.ts';

const VERSIONS = ['v1', 'v1beta1'];

export function isSelfSubjectReview(info: ResourceRequest): boolean {
  return (
    info.group === 'authentication.k8s.io' &&
    info.resource === 'selfsubjectreviews' &&
    info.verb === 'create' &&
    VERSIONS.includes(info.version)
  );
}

export async function selfSubjectReview(
  req: IncomingMessage,
  res: ServerResponse,
  user: UserInfo | undefined,
  version: string,
): Promise<void> {
  const body = await readBody(req);
  // A body that is not a SelfSubjectReview is refused like any other bad body.
  if (body.length > 0) parseBody(body, req.headers['content-type'], `SelfSubjectReview in version "${version}"`);
  writeJSON(res, 201, {
    kind: 'SelfSubjectReview',
    apiVersion: `authentication.k8s.io/${version}`,
    metadata: { creationTimestamp: null },
    status: {
      userInfo: {
        username: user?.name ?? 'system:anonymous',
        ...(user?.uid ? { uid: user.uid } : {}),
        groups: user?.groups ?? ['system:unauthenticated'],
        ...(user?.extra && Object.keys(user.extra).length ? { extra: user.extra } : {}),
      },
    },
  });
}
