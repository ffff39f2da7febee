// User impersonation (`kubectl --as`, `--as-group`, `--as-uid`): the Impersonate-* headers
// replace the authenticated user for the rest of the request, as kube-apiserver's
// impersonation filter does. Kubernetes asks RBAC whether the requester may impersonate;
// every authenticated user may do everything here, so any of them may impersonate.
import type { IncomingMessage } from 'node:http';
import type { UserInfo } from './auth.ts';
import { badRequest } from './errors.ts';

const EXTRA_PREFIX = 'impersonate-extra-';
const SERVICE_ACCOUNT_PREFIX = 'system:serviceaccount:';

interface ImpersonationHeaders {
  names: string[];
  groups: string[];
  uids: string[];
  extra: Record<string, string[]>;
}

/** The Impersonate-* headers, in one pass over the raw headers (they may repeat). */
function impersonationHeaders(req: IncomingMessage): ImpersonationHeaders {
  const found: ImpersonationHeaders = { names: [], groups: [], uids: [], extra: {} };
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const header = req.rawHeaders[i].toLowerCase();
    if (!header.startsWith('impersonate-')) continue;
    const value = req.rawHeaders[i + 1];
    if (header === 'impersonate-user') found.names.push(value);
    else if (header === 'impersonate-group') found.groups.push(value);
    else if (header === 'impersonate-uid') found.uids.push(value);
    else if (header.startsWith(EXTRA_PREFIX)) {
      let key: string;
      try {
        key = decodeURIComponent(header.slice(EXTRA_PREFIX.length));
      } catch {
        throw badRequest(`invalid impersonation header ${req.rawHeaders[i]}`);
      }
      found.extra[key] = [...(found.extra[key] ?? []), value];
    }
  }
  return found;
}

/** The user the request acts as: the impersonated one when it asks for that, else `user`. */
export function impersonatedUser(req: IncomingMessage, user: UserInfo | undefined): UserInfo | undefined {
  const { names, groups, uids, extra } = impersonationHeaders(req);
  const [name] = names;
  const [uid] = uids;
  if (name === undefined) {
    if (groups.length > 0 || uid !== undefined || Object.keys(extra).length > 0) {
      throw badRequest('requested impersonation of groups, uid or extra without impersonating a user');
    }
    return user;
  }
  if (!user) return user;
  // As Kubernetes: a service account user brings its groups, and everyone but anonymous is authenticated.
  const implied: string[] = [];
  if (name.startsWith(SERVICE_ACCOUNT_PREFIX) && groups.length === 0) {
    const namespace = name.slice(SERVICE_ACCOUNT_PREFIX.length).split(':')[0];
    implied.push('system:serviceaccounts', `system:serviceaccounts:${namespace}`);
  }
  if (name !== 'system:anonymous' && !groups.includes('system:authenticated')) implied.push('system:authenticated');
  return { name, groups: [...groups, ...implied], ...(uid ? { uid } : {}), ...(Object.keys(extra).length ? { extra } : {}) };
}
