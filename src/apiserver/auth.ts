// Authentication by bearer token: the fixed admin and agent tokens, and service account
// tokens. Authorization is all-or-nothing: every authenticated user may do everything (RBAC
// objects are served but not enforced; docs/differences.md).
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export interface UserInfo {
  name: string;
  groups: string[];
  uid?: string;
  extra?: Record<string, string[]>;
}

/** Checks tokens other than the fixed ones: service account JWTs (service-account-tokens.ts). */
export interface TokenVerifier {
  authenticate(token: string): Promise<UserInfo | undefined>;
}

export class TokenAuthenticator {
  private readonly tokens: { token: Buffer; user: UserInfo }[] = [];
  private verifier?: TokenVerifier;

  add(token: string, user: UserInfo): void {
    this.tokens.push({ token: Buffer.from(token), user });
  }

  /** Also accept what this verifier vouches for. */
  setVerifier(verifier: TokenVerifier): void {
    this.verifier = verifier;
  }

  async authenticate(req: IncomingMessage): Promise<UserInfo | undefined> {
    const header = req.headers.authorization;
    if (!header?.startsWith('Bearer ')) return undefined;
    const text = header.slice('Bearer '.length).trim();
    return this.fixedUser(text) ?? this.verifier?.authenticate(text);
  }

  /** The user of one of the fixed tokens (admin, agents), compared in constant time. */
  fixedUser(text: string): UserInfo | undefined {
    const presented = Buffer.from(text);
    for (const { token, user } of this.tokens) {
      if (token.length === presented.length && timingSafeEqual(token, presented)) return user;
    }
    return undefined;
  }
}

/** Paths anyone may read, as Kubernetes' system:public-info-viewer role allows. */
export function isPublicPath(pathname: string): boolean {
  return pathname === '/version' || /^\/(healthz|livez|readyz)(\/.+)?$/.test(pathname);
}
