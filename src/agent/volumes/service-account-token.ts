// Tokens for projected serviceAccountToken sources, as the kubelet's token manager gets them:
// a TokenRequest (serviceaccounts/NAME/token) bound to the pod, for the source's audience and
// lifetime. A token is reused until 80 % of its lifetime (at most 24 h) has passed; the volume
// refresh then writes a new one, so a running app always finds a valid token in the file.
import type { KubeObject } from '../../api/resource-type.ts';
import { resourcePath } from '../../client/resource-path.ts';
import { resources } from '../../client/resources.ts';
import type { RestClient } from '../../client/rest-client.ts';

interface CachedToken {
  token: string;
  renewAt: number;
}

const MAX_AGE_MS = 24 * 3600_000;

export class ServiceAccountTokenCache {
  private readonly tokens = new Map<string, CachedToken>();

  constructor(
    private readonly client: Pick<RestClient, 'request'>,
    private readonly now: () => number = Date.now,
  ) {}

  /** The token for one serviceAccountToken source of a pod. */
  async tokenFor(pod: KubeObject, source: { audience?: string; expirationSeconds?: number }): Promise<string> {
    const uid = pod.metadata?.uid ?? '';
    const key = `${uid}\n${source.audience ?? ''}\n${source.expirationSeconds ?? ''}`;
    const cached = this.tokens.get(key);
    if (cached && this.now() < cached.renewAt) return cached.token;
    const namespace = pod.metadata?.namespace;
    const serviceAccount = pod.spec?.serviceAccountName || 'default';
    const issuedAt = this.now();
    const answer = await this.client.request('POST', resourcePath(resources.serviceAccounts, namespace, serviceAccount, 'token'), {
      body: {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenRequest',
        spec: {
          audiences: source.audience ? [source.audience] : [],
          expirationSeconds: source.expirationSeconds ?? 3600,
          boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: pod.metadata?.name, uid },
        },
      },
    });
    const token: string = answer?.status?.token ?? '';
    if (!token) throw new Error(`failed to fetch token: the TokenRequest for serviceaccount "${serviceAccount}" returned no token`);
    const expiresAt = Date.parse(answer.status.expirationTimestamp ?? '') || issuedAt + (source.expirationSeconds ?? 3600) * 1000;
    const renewAt = issuedAt + Math.min(0.8 * (expiresAt - issuedAt), MAX_AGE_MS);
    this.tokens.set(key, { token, renewAt });
    return token;
  }

  /** Drops a pod's tokens once its volumes are gone. */
  forget(podUid: string): void {
    for (const key of this.tokens.keys()) if (key.startsWith(`${podUid}\n`)) this.tokens.delete(key);
  }
}
