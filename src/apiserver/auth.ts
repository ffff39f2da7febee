// Authentication by bearer token. Authorization is all-or-nothing for now: every
// authenticated user may do everything (RBAC is a later issue; documented in docs/).
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export interface UserInfo {
  name: string;
  groups: string[];
}

export class TokenAuthenticator {
  private readonly tokens: { token: Buffer; user: UserInfo }[] = [];

  add(token: string, user: UserInfo): void {
    this.tokens.push({ token: Buffer.from(token), user });
  }

  authenticate(req: IncomingMessage): UserInfo | undefined {
    const header = req.headers.authorization;
    if (!header?.startsWith('Bearer ')) return undefined;
    const presented = Buffer.from(header.slice('Bearer '.length).trim());
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
