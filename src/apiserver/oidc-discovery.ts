// Service account issuer discovery, as kube-apiserver serves it: an OpenID Connect discovery
// document and the key set that verifies service account tokens, so that other systems
// (cloud identity federation, Vault's JWT auth) can check Hale's tokens themselves. As in
// Kubernetes, both need an authenticated request unless access is granted otherwise.
import type { ServerResponse } from 'node:http';
import type { ServiceAccountTokens } from './service-account-tokens.ts';

export const OIDC_DISCOVERY_PATH = '/.well-known/openid-configuration';
export const OIDC_JWKS_PATH = '/openid/v1/jwks';

export function serveOidcDiscovery(res: ServerResponse, path: string, tokens: ServiceAccountTokens): void {
  const [body, type] =
    path === OIDC_JWKS_PATH
      ? [tokens.jwks(), 'application/jwk-set+json']
      : [
          {
            issuer: tokens.issuer,
            // Kubernetes' default: the issuer's own host.
            jwks_uri: `${new URL(tokens.issuer).origin}${OIDC_JWKS_PATH}`,
            response_types_supported: ['id_token'],
            subject_types_supported: ['public'],
            id_token_signing_alg_values_supported: ['ES256'],
          },
          'application/json',
        ];
  res.writeHead(200, { 'Content-Type': type, 'Cache-Control': 'public, max-age=3600' });
  res.end(JSON.stringify(body));
}
