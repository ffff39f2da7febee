// The services/proxy and pods/proxy subresources: the API server forwards an HTTP request to a
// ready endpoint of a Service, or to a pod, and streams the answer back. This is what
// `kubectl proxy` users and `kubectl cluster-info` URLs reach:
//   /api/v1/namespaces/NS/services/[https:]NAME[:PORT]/proxy/PATH
//   /api/v1/namespaces/NS/pods/[https:]NAME[:PORT]/proxy/PATH
// PORT is a Service port's name or number (the only port when left out), or a pod's port number
// (its first declared container port, else 80). Upgrades (WebSocket) are not proxied.
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { KubeObject } from '../api/resource-type.ts';
import type { ApiRegistry } from './api-registry.ts';
import type { ExtraSubresource } from './discovery.ts';
import { badRequest, notFound, StatusError } from './errors.ts';
import type { RequestParams } from './resource-handler.ts';
import type { ResourceStore } from './storage/resource-store.ts';

type Json = Record<string, any>;

const proxyVerbs = ['create', 'delete', 'get', 'patch', 'update'];

/** Discovery entries for the proxy subresources. */
export const proxySubresources: ExtraSubresource[] = [
  {
    group: '',
    resource: 'services',
    subresource: 'proxy',
    kind: { group: '', version: 'v1', kind: 'ServiceProxyOptions' },
    verbs: proxyVerbs,
  },
  { group: '', resource: 'pods', subresource: 'proxy', kind: { group: '', version: 'v1', kind: 'PodProxyOptions' }, verbs: proxyVerbs },
];

/** Headers of the client's request that are the API server's business, not the backend's. */
const HOP_BY_HOP = new Set([
  'authorization',
  'connection',
  'host',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

interface Target {
  scheme: 'http' | 'https';
  host: string;
  port: number;
}

/** "[scheme:]name[:port]", Kubernetes' SplitSchemeNamePort. */
export function splitSchemeNamePort(id: string): { scheme: 'http' | 'https'; name: string; port: string } {
  const parts = id.split(':');
  if (parts.length === 3 && (parts[0] === 'http' || parts[0] === 'https')) return { scheme: parts[0], name: parts[1], port: parts[2] };
  if (parts.length === 2) return { scheme: 'http', name: parts[0], port: parts[1] };
  if (parts.length === 1) return { scheme: 'http', name: parts[0], port: '' };
  throw badRequest(`invalid service request "${id}"`);
}

function serviceUnavailable(message: string): StatusError {
  return new StatusError(503, 'ServiceUnavailable', message);
}

function lookup(registry: ApiRegistry, group: string, plural: string): ResourceStore {
  const rs = registry.lookup(group, 'v1', plural);
  if (!rs) throw new Error(`the ${plural} resource is not registered`);
  return rs;
}

/** A ready endpoint of the Service port, picked at random (ResourceLocation for services). */
async function serviceTarget(registry: ApiRegistry, namespace: string, id: string): Promise<Target> {
  const { scheme, name, port } = splitSchemeNamePort(id);
  const service = await lookup(registry, '', 'services').get(namespace, name);
  const ports: Json[] = service.spec?.ports ?? [];
  const servicePort =
    port === ''
      ? ports.length === 1
        ? ports[0]
        : ports.find((p) => !p.name)
      : ports.find((p) => p.name === port || String(p.port) === port);
  if (!servicePort) throw serviceUnavailable(`no service port ${JSON.stringify(port)} found for service "${name}"`);
  const slices = await lookup(registry, 'discovery.k8s.io', 'endpointslices').list({ namespace });
  const candidates: Target[] = [];
  for (const slice of slices.items) {
    if (slice.metadata?.labels?.['kubernetes.io/service-name'] !== name) continue;
    const slicePort = (slice.ports ?? []).find((p: Json) => (p.name ?? '') === (servicePort.name ?? ''));
    if (!slicePort?.port) continue;
    for (const endpoint of slice.endpoints ?? []) {
      if (endpoint.conditions?.ready === false) continue;
      for (const address of endpoint.addresses ?? []) candidates.push({ scheme, host: address, port: slicePort.port });
    }
  }
  if (candidates.length === 0) throw serviceUnavailable(`no endpoints available for service "${name}"`);
  return candidates[Math.floor(Math.random() * candidates.length)];
}

/** The pod's IP at the port asked for, or its first container port, else 80. */
async function podTarget(registry: ApiRegistry, namespace: string, id: string): Promise<Target> {
  const { scheme, name, port } = splitSchemeNamePort(id);
  const pod: KubeObject = await lookup(registry, '', 'pods').get(namespace, name);
  const ip: string | undefined = pod.status?.podIP;
  if (!ip) throw badRequest(`address not allocated yet for pod "${name}"`);
  let number = port === '' ? undefined : Number(port);
  if (number === undefined) {
    const declared = (pod.spec?.containers ?? []).flatMap((c: Json) => c.ports ?? []).find((p: Json) => p.containerPort);
    number = declared ? Number(declared.containerPort) : 80;
  }
  if (!Number.isInteger(number) || number < 1 || number > 65535) throw badRequest(`invalid port "${port}" for pod "${name}"`);
  return { scheme, host: ip, port: number };
}

/** Hop-by-hop headers: the fixed ones and those the Connection header names. */
function endToEnd(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const named = new Set(
    String(headers.connection ?? '')
      .split(',')
      .map((h) => h.trim().toLowerCase()),
  );
  const out: IncomingHttpHeaders = {};
  for (const [key, value] of Object.entries(headers)) if (!HOP_BY_HOP.has(key) && !named.has(key)) out[key] = value;
  return out;
}

/**
 * Kubernetes' IsProxyableIP: never link-local (cloud metadata). Loopback is refused too unless
 * it is a pod's address (host-mode pods use 127.x addresses): an EndpointSlice written by hand
 * must not reach the API server's or an agent's own ports through the proxy.
 */
async function checkProxyable(registry: ApiRegistry, host: string): Promise<void> {
  if (host.startsWith('169.254.') || host.toLowerCase().startsWith('fe80:')) throw badRequest(`address not allowed`);
  if (!host.startsWith('127.') && host !== '::1') return;
  const pods = await lookup(registry, '', 'pods').list({});
  if (!pods.items.some((pod) => pod.status?.podIP === host)) throw badRequest('address not allowed');
}

function forward(p: RequestParams, target: Target): Promise<void> {
  const headers = endToEnd(p.req.headers);
  headers.host = `${target.host}:${target.port}`;
  const search = p.query.toString();
  const options = {
    host: target.host,
    port: target.port,
    method: p.req.method,
    path: `${p.info.proxyPath ?? '/'}${search ? `?${search}` : ''}`,
    headers,
    // As kube-apiserver, a backend's certificate is not checked.
    rejectUnauthorized: false,
  };
  return new Promise((resolve, reject) => {
    const upstream = (target.scheme === 'https' ? httpsRequest : httpRequest)(options, (answer) => {
      p.res.writeHead(answer.statusCode ?? 502, endToEnd(answer.headers));
      answer.pipe(p.res);
      answer.on('end', resolve);
      answer.on('error', () => {
        p.res.destroy();
        resolve();
      });
    });
    upstream.on('error', (err) => {
      // Before the answer started: a Status the client can read; after: the stream is cut.
      if (!p.res.headersSent) reject(serviceUnavailable(`error trying to reach service: ${err.message}`));
      else {
        p.res.destroy();
        resolve();
      }
    });
    // The client went away (or the answer ended): nothing should keep the backend connection.
    p.res.on('close', () => {
      upstream.destroy();
      resolve();
    });
    p.req.pipe(upstream);
  });
}

export function proxyHandlers(registry: ApiRegistry) {
  const handler = (find: (registry: ApiRegistry, namespace: string, id: string) => Promise<Target>) => async (p: RequestParams) => {
    const { namespace, name } = p.info;
    if (!namespace || !name) throw notFound('', p.info.resource, name ?? '');
    const target = await find(registry, namespace, name);
    await checkProxyable(registry, target.host);
    await forward(p, target);
  };
  return { services: handler(serviceTarget), pods: handler(podTarget) };
}
