// Service account tokens, as kube-apiserver issues and checks them: JWTs signed with the
// cluster's service-account key (ES256, DATA_DIR/tls/service-account.key), with Kubernetes'
// claims (sub system:serviceaccount:NS:NAME, and under "kubernetes.io" the namespace, the
// service account and the pod the token is bound to). A token authenticates only while its
// service account (and bound pod) still exist with the same uid, as Kubernetes' bound tokens.
import { createHash, createPrivateKey, createPublicKey, type KeyObject, randomUUID, sign } from 'node:crypto';
import { errors as joseErrors, jwtVerify } from 'jose';
import type { KubeObject } from '../api/resource-type.ts';
import type { ApiRegistry } from './api-registry.ts';
import type { UserInfo } from './auth.ts';

/** kube-apiserver's default --service-account-issuer in kubeadm and k3s clusters. */
export const defaultIssuer = (clusterDomain: string): string => `https://kubernetes.default.svc.${clusterDomain}`;

export interface IssueRequest {
  namespace: string;
  serviceAccount: KubeObject;
  audiences: string[];
  expirationSeconds: number;
  /** The object the token is bound to (a Pod). */
  boundPod?: KubeObject;
  /** The bound pod's node, named in the token as Kubernetes 1.30+ does. */
  podNode?: KubeObject;
}

interface KubernetesClaims {
  namespace: string;
  serviceaccount: { name: string; uid: string };
  pod?: { name: string; uid: string };
  node?: { name: string; uid: string };
}

const SERVICE_ACCOUNT_PREFIX = 'system:serviceaccount:';

export class ServiceAccountTokens {
  private readonly privateKey: KeyObject;
  private readonly publicKey: KeyObject;
  private readonly keyId: string;
  /** The JWS header of every token, base64url-encoded. */
  private readonly encodedHeader: string;

  constructor(
    keyPem: string,
    readonly issuer: string,
    private readonly registry: ApiRegistry,
  ) {
    this.privateKey = createPrivateKey(keyPem);
    this.publicKey = createPublicKey(this.privateKey);
    // As Kubernetes: the key id is the unpadded base64url SHA-256 of the public key's DER.
    this.keyId = createHash('sha256')
      .update(this.publicKey.export({ type: 'spki', format: 'der' }))
      .digest('base64url');
    this.encodedHeader = Buffer.from(JSON.stringify({ alg: 'ES256', kid: this.keyId })).toString('base64url');
  }

  /** The audiences a token gets when the request names none: the API server's own. */
  get apiAudiences(): string[] {
    return [this.issuer];
  }

  async issue(req: IssueRequest): Promise<{ token: string; expiresAt: Date }> {
    const now = Math.floor(Date.now() / 1000);
    const expiresAt = now + req.expirationSeconds;
    const sa = req.serviceAccount.metadata ?? {};
    const claims: KubernetesClaims = { namespace: req.namespace, serviceaccount: { name: sa.name, uid: sa.uid } };
    if (req.boundPod) claims.pod = { name: req.boundPod.metadata?.name, uid: req.boundPod.metadata?.uid };
    if (req.podNode) claims.node = { name: req.podNode.metadata?.name, uid: req.podNode.metadata?.uid };
    const payload = {
      aud: req.audiences,
      exp: expiresAt,
      iat: now,
      iss: this.issuer,
      jti: randomUUID(),
      'kubernetes.io': claims,
      nbf: now,
      sub: `${SERVICE_ACCOUNT_PREFIX}${req.namespace}:${sa.name}`,
    };
    return { token: this.signedJwt(payload), expiresAt: new Date(expiresAt * 1000) };
  }

  /**
   * A compact JWS (RFC 7515) of `payload`, ES256. Signed with node:crypto directly: jose signs
   * through WebCrypto, about twice the CPU per token, and the API server's thread signs one
   * token per pod start (the agent's TokenRequest). jose still verifies.
   */
  private signedJwt(payload: Record<string, unknown>): string {
    const signingInput = `${this.encodedHeader}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
    const signature = sign('sha256', Buffer.from(signingInput), { key: this.privateKey, dsaEncoding: 'ieee-p1363' });
    return `${signingInput}.${signature.toString('base64url')}`;
  }

  /** The user a presented token stands for, or undefined when it is not a valid token of ours. */
  async authenticate(token: string): Promise<UserInfo | undefined> {
    return (await this.verify(token, this.apiAudiences))?.user;
  }

  /** The token's user and which of `audiences` it is for (TokenReview), or undefined. */
  async verify(token: string, audiences: string[]): Promise<{ user: UserInfo; audiences: string[] } | undefined> {
    if (token.split('.').length !== 3) return undefined;
    let payload: Record<string, any>;
    try {
      ({ payload } = await jwtVerify(token, this.publicKey, {
        issuer: this.issuer,
        audience: audiences,
        algorithms: ['ES256'],
      }));
    } catch (err) {
      if (err instanceof joseErrors.JOSEError) return undefined;
      throw err;
    }
    const claims = payload['kubernetes.io'] as KubernetesClaims | undefined;
    const sub = typeof payload.sub === 'string' ? payload.sub : '';
    if (!claims?.serviceaccount?.name || sub !== `${SERVICE_ACCOUNT_PREFIX}${claims.namespace}:${claims.serviceaccount.name}`) {
      return undefined;
    }
    const sa = await this.getObject('serviceaccounts', claims.namespace, claims.serviceaccount.name);
    if (!sa || sa.metadata?.uid !== claims.serviceaccount.uid) return undefined;
    const extra: Record<string, string[]> = {};
    if (claims.pod) {
      const pod = await this.getObject('pods', claims.namespace, claims.pod.name);
      if (!pod || pod.metadata?.uid !== claims.pod.uid) return undefined;
      extra['authentication.kubernetes.io/pod-name'] = [claims.pod.name];
      extra['authentication.kubernetes.io/pod-uid'] = [claims.pod.uid];
    }
    if (claims.node) {
      extra['authentication.kubernetes.io/node-name'] = [claims.node.name];
      extra['authentication.kubernetes.io/node-uid'] = [claims.node.uid];
    }
    if (typeof payload.jti === 'string') extra['authentication.kubernetes.io/credential-id'] = [`JTI=${payload.jti}`];
    const tokenAudiences: string[] = Array.isArray(payload.aud) ? payload.aud : [String(payload.aud)];
    const user: UserInfo = {
      name: sub,
      uid: claims.serviceaccount.uid,
      groups: ['system:serviceaccounts', `system:serviceaccounts:${claims.namespace}`, 'system:authenticated'],
      extra,
    };
    return { user, audiences: audiences.filter((a) => tokenAudiences.includes(a)) };
  }

  /** The public key as a JSON Web Key Set, for /openid/v1/jwks. */
  jwks(): { keys: Record<string, unknown>[] } {
    const jwk = this.publicKey.export({ format: 'jwk' });
    return { keys: [{ use: 'sig', kty: jwk.kty, kid: this.keyId, crv: jwk.crv, alg: 'ES256', x: jwk.x, y: jwk.y }] };
  }

  private async getObject(resource: string, namespace: string, name: string): Promise<KubeObject | undefined> {
    const store = this.registry.lookup('', 'v1', resource);
    return store?.tryGet(namespace, name);
  }
}
