// authentication.k8s.io/v1 TokenReview: "who is this token?", asked by webhook authorizers,
// kube-rbac-proxy, Vault's Kubernetes auth and the like. Service account tokens are checked
// against the audiences asked about (the API server's when none); the fixed admin and agent
// tokens are not audience-bound, so, as Kubernetes' audience-agnostic authenticators, they
// count only for the API server's own audiences.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TokenAuthenticator, UserInfo } from './auth.ts';
import { parseBody } from './decode-body.ts';
import { badRequest } from './errors.ts';
import { readBody, writeJSON } from './http-io.ts';
import type { ResourceRequest } from './request-info.ts';
import type { ServiceAccountTokens } from './service-account-tokens.ts';

export function isTokenReview(info: ResourceRequest): boolean {
  return info.group === 'authentication.k8s.io' && info.version === 'v1' && info.resource === 'tokenreviews' && info.verb === 'create';
}

async function review(
  token: string,
  wanted: string[],
  authenticator: TokenAuthenticator,
  tokens: ServiceAccountTokens,
): Promise<{ user: UserInfo; audiences: string[] } | undefined> {
  const audiences = wanted.length > 0 ? wanted : tokens.apiAudiences;
  const fixed = authenticator.fixedUser(token);
  if (fixed) {
    const shared = audiences.filter((a) => tokens.apiAudiences.includes(a));
    return shared.length > 0 ? { user: fixed, audiences: shared } : undefined;
  }
  return tokens.verify(token, audiences);
}

export async function tokenReview(
  req: IncomingMessage,
  res: ServerResponse,
  authenticator: TokenAuthenticator,
  tokens: ServiceAccountTokens,
): Promise<void> {
  const { object } = parseBody(await readBody(req), req.headers['content-type'], 'TokenReview in version "v1"');
  const spec = object.spec ?? {};
  if (typeof spec.token !== 'string' || spec.token === '') throw badRequest('token is required for TokenReview in authentication');
  const wanted: string[] = Array.isArray(spec.audiences) ? spec.audiences.filter((a: unknown): a is string => typeof a === 'string') : [];
  const result = await review(spec.token, wanted, authenticator, tokens);
  const status = result
    ? {
        authenticated: true,
        user: {
          username: result.user.name,
          ...(result.user.uid ? { uid: result.user.uid } : {}),
          groups: result.user.groups,
          ...(result.user.extra && Object.keys(result.user.extra).length ? { extra: result.user.extra } : {}),
        },
        audiences: result.audiences,
      }
    : { user: {} };
  writeJSON(res, 201, { kind: 'TokenReview', apiVersion: 'authentication.k8s.io/v1', metadata: { creationTimestamp: null }, spec, status });
}
