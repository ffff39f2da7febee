// Parses a request path into what it addresses, like kube-apiserver's RequestInfo.
//   /api/v1/namespaces/default/pods/web/status → group "", version v1, namespace default,
//   resource pods, name web, subresource status, verb get|update|patch.

export interface ResourceRequest {
  kind: 'resource';
  group: string;
  version: string;
  namespace?: string;
  resource: string;
  name?: string;
  subresource?: string;
  /** What follows the proxy subresource: ".../services/web:80/proxy/healthz" → "/healthz". */
  proxyPath?: string;
  verb: 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete' | 'deletecollection' | 'connect';
}

export interface DiscoveryRequest {
  kind: 'discovery';
  /** "/api", "/apis", "/api/v1", "/apis/apps", "/apis/apps/v1" */
  level: 'root' | 'group' | 'groupVersion';
  legacy: boolean; // under /api
  group: string;
  version?: string;
}

export type RequestInfo = ResourceRequest | DiscoveryRequest | { kind: 'other' };

// Subresources of a namespace; anything else after /namespaces/NAME/ is a resource in it.
const namespaceSubresources = new Set(['status', 'finalize']);

export function parseRequestInfo(method: string, pathname: string, query: URLSearchParams): RequestInfo {
  const parts = pathname
    .split('/')
    .filter((p) => p !== '')
    .map(decodeURIComponent);
  let rest: string[];
  let group = '';
  let version: string;
  if (parts[0] === 'api') {
    if (parts.length === 1) return { kind: 'discovery', level: 'root', legacy: true, group: '' };
    version = parts[1];
    if (parts.length === 2) return { kind: 'discovery', level: 'groupVersion', legacy: true, group: '', version };
    rest = parts.slice(2);
  } else if (parts[0] === 'apis') {
    if (parts.length === 1) return { kind: 'discovery', level: 'root', legacy: false, group: '' };
    group = parts[1];
    if (parts.length === 2) return { kind: 'discovery', level: 'group', legacy: false, group };
    version = parts[2];
    if (parts.length === 3) return { kind: 'discovery', level: 'groupVersion', legacy: false, group, version };
    rest = parts.slice(3);
  } else {
    return { kind: 'other' };
  }

  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length > 1) {
    namespace = rest[1];
    if (rest.length > 2 && !namespaceSubresources.has(rest[2])) {
      rest = rest.slice(2);
    } else {
      namespace = undefined; // the namespace object itself: /namespaces/NAME[/status]
    }
  }
  const [resource, name, subresource, ...extra] = rest;
  if (!resource || (extra.length > 0 && subresource !== 'proxy')) return { kind: 'other' };

  const watching = query.get('watch') === 'true' || query.get('watch') === '1';
  let verb: ResourceRequest['verb'];
  switch (method) {
    case 'GET':
    case 'HEAD':
      verb = name ? (watching ? 'watch' : 'get') : watching ? 'watch' : 'list';
      break;
    case 'POST':
      verb = 'create';
      break;
    case 'PUT':
      verb = 'update';
      break;
    case 'PATCH':
      verb = 'patch';
      break;
    case 'DELETE':
      verb = name ? 'delete' : 'deletecollection';
      break;
    default:
      return { kind: 'other' };
  }
  const info: ResourceRequest = { kind: 'resource', group, version, namespace, resource, name, subresource, verb };
  // The path goes to the backend as sent (a trailing slash included).
  if (subresource === 'proxy') info.proxyPath = `/${extra.join('/')}${extra.length > 0 && pathname.endsWith('/') ? '/' : ''}`;
  return info;
}
