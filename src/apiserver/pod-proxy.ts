// pods/log, pods/exec, pods/attach and pods/portforward: the API server checks the request
// against the pod (container name, node, state), finds the node agent from the Node object
// (InternalIP and status.daemonEndpoints.kubeletEndpoint.Port) and proxies to it.
//
// Wiring (in the server): register the handlers for plain requests
//     const proxy = new PodProxy({ registry, authenticator, agentToken, logger });
//     api.resources.addSubresource('', 'pods', 'log', proxy.logHandler);      // and exec/attach/portforward
// pass `podStreamingSubresources` in ApiServerOptions.extraSubresources, and hand upgrades to
//     api.httpServer.on('upgrade', (req, socket, head) => handlePodUpgrade(req, socket, head, proxy));
// kubectl reaches exec/attach/port-forward only through upgrades (WebSocket or SPDY/3.1).
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { createWebSocketStream } from 'ws';
import { type AgentRequestTarget, PORT_FORWARD_AGENT_PROTOCOL } from '../agent/server/agent-protocol.ts';
import type { KubeObject } from '../api/resource-type.ts';
import type { ApiRegistry } from './api-registry.ts';
import type { TokenAuthenticator } from './auth.ts';
import type { ExtraSubresource } from './discovery.ts';
import { badRequest, internalError, StatusError, toStatusError, unauthorized } from './errors.ts';
import { parseRequestInfo } from './request-info.ts';
import type { RequestParams, SubresourceHandler } from './resource-handler.ts';
import { type AgentEndpoint, openAgentLogs, openAgentWebSocket } from './streaming/agent-client.ts';
import {
  PORT_FORWARD_PROTOCOL,
  SPDY_OVER_WEBSOCKET_PORT_FORWARD,
  spdyExecProtocols,
  V4_PROTOCOL,
  V5_PROTOCOL,
  websocketExecProtocols,
} from './streaming/channel-protocol.ts';
import { bridgeSpdyExec, bridgeWebSocketExec } from './streaming/exec-bridge.ts';
import { bridgePortForward } from './streaming/port-forward-bridge.ts';
import { bridgeChannelPortForward, portForwardPorts } from './streaming/port-forward-channels.ts';
import { SpdySession } from './streaming/spdy-session.ts';
import {
  acceptSpdyUpgrade,
  acceptWebSocket,
  headerValues,
  isSpdyUpgrade,
  isWebSocketUpgrade,
  negotiate,
  rejectUpgrade,
} from './streaming/upgrade.ts';

/** The kubelet's default port, used when a Node does not say where its agent listens. */
const DEFAULT_AGENT_PORT = 10250;

/** Where a node's agent listens (its first internal, external or host address), if the Node says. */
export function nodeAgentEndpoint(node: KubeObject, agentToken: string): AgentEndpoint | undefined {
  const addresses: Json[] = node.status?.addresses ?? [];
  const address =
    addresses.find((a) => a.type === 'InternalIP')?.address ??
    addresses.find((a) => a.type === 'ExternalIP')?.address ??
    addresses.find((a) => a.type === 'Hostname')?.address;
  if (!address) return undefined;
  const port = Number(node.status?.daemonEndpoints?.kubeletEndpoint?.Port) || DEFAULT_AGENT_PORT;
  return { host: address, port, token: agentToken };
}

export interface PodProxyOptions {
  registry: ApiRegistry;
  /** The same authenticator as for ordinary requests (upgrades bypass the request handler). */
  authenticator: TokenAuthenticator;
  /** The agent join token, presented to agents as a bearer token. */
  agentToken: string;
  logger: Logger;
}

/** Discovery entries so kubectl and clients see the subresources. */
export const podStreamingSubresources: ExtraSubresource[] = [
  { group: '', resource: 'pods', subresource: 'log', kind: { group: '', version: 'v1', kind: 'Pod' }, verbs: ['get'] },
  {
    group: '',
    resource: 'pods',
    subresource: 'exec',
    kind: { group: '', version: 'v1', kind: 'PodExecOptions' },
    verbs: ['create', 'get'],
  },
  {
    group: '',
    resource: 'pods',
    subresource: 'attach',
    kind: { group: '', version: 'v1', kind: 'PodAttachOptions' },
    verbs: ['create', 'get'],
  },
  {
    group: '',
    resource: 'pods',
    subresource: 'portforward',
    kind: { group: '', version: 'v1', kind: 'PodPortForwardOptions' },
    verbs: ['create', 'get'],
  },
];

type Json = Record<string, any>;

function containerNames(list: unknown): string[] {
  return Array.isArray(list) ? list.map((c: Json) => String(c?.name)) : [];
}

/** The container a request means: the one named, or the only one (400 with the choices otherwise). */
export function resolveContainerName(pod: KubeObject, requested: string | null): string {
  const name = pod.metadata?.name;
  const containers = containerNames(pod.spec?.containers);
  const inits = containerNames(pod.spec?.initContainers);
  const ephemeral = containerNames(pod.spec?.ephemeralContainers);
  if (!requested) {
    if (containers.length === 1) return containers[0];
    let message = `a container name must be specified for pod ${name}, choose one of: [${containers.join(' ')}]`;
    if (inits.length > 0) message += ` or one of the init containers: [${inits.join(' ')}]`;
    if (ephemeral.length > 0) message += ` or one of the ephemeral containers: [${ephemeral.join(' ')}]`;
    throw badRequest(message);
  }
  if (![...containers, ...inits, ...ephemeral].includes(requested)) throw badRequest(`container ${requested} is not valid for pod ${name}`);
  return requested;
}

function containerStatus(pod: KubeObject, container: string): Json | undefined {
  const status = pod.status ?? {};
  const all: Json[] = [
    ...(status.containerStatuses ?? []),
    ...(status.initContainerStatuses ?? []),
    ...(status.ephemeralContainerStatuses ?? []),
  ];
  return all.find((s) => s?.name === container);
}

/** The kubelet's checks before reading logs: is there a container (or a previous one) to read? */
export function checkLogsAvailable(pod: KubeObject, container: string, previous: boolean): void {
  const podName = pod.metadata?.name;
  const cs = containerStatus(pod, container);
  if (previous) {
    if (!cs?.lastState?.terminated) throw badRequest(`previous terminated container "${container}" in pod "${podName}" not found`);
    return;
  }
  if (!cs) throw badRequest(`container "${container}" in pod "${podName}" is waiting to start: ContainerCreating`);
  if (cs.state?.running || cs.state?.terminated || cs.lastState?.terminated) return;
  const reason = cs.state?.waiting?.reason;
  if (reason) throw badRequest(`container "${container}" in pod "${podName}" is waiting to start: ${reason}`);
  throw badRequest(`container "${container}" in pod "${podName}" is waiting to start - no logs yet`);
}

function checkContainerRunning(pod: KubeObject, container: string): void {
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') {
    throw badRequest(`cannot exec into a container in a completed pod; current phase is ${phase}`);
  }
  if (!containerStatus(pod, container)?.state?.running) throw badRequest(`container ${container} is not running`);
}

function flag(query: URLSearchParams, name: string): boolean {
  const v = query.get(name);
  return v === 'true' || v === '1';
}

export class PodProxy {
  constructor(readonly options: PodProxyOptions) {}

  /** GET pods/NAME/log: streams the agent's answer (200 text/plain, kept open with follow). */
  readonly logHandler: SubresourceHandler = async (p: RequestParams): Promise<void> => {
    if (p.info.verb !== 'get') throw new StatusError(405, 'MethodNotAllowed', `${p.info.verb} is not supported on pods/log`);
    const pod = await this.getPod(p.info.namespace!, p.info.name!);
    const container = resolveContainerName(pod, p.query.get('container'));
    if (!pod.spec?.nodeName) {
      // Not scheduled yet: no node to ask, and no logs (the API server answers an empty stream).
      p.res.writeHead(200, { 'Content-Type': 'text/plain' });
      p.res.end();
      return;
    }
    checkLogsAvailable(pod, container, flag(p.query, 'previous'));
    const endpoint = await this.agentFor(pod);
    const query = new URLSearchParams(p.query);
    query.delete('container');
    query.delete('insecureSkipTLSVerifyBackend');
    const upstream = await openAgentLogs(endpoint, this.target('containerLogs', pod, container), query);
    p.res.writeHead(200, { 'Content-Type': 'text/plain', 'Transfer-Encoding': 'chunked' });
    p.res.flushHeaders();
    p.res.once('close', () => upstream.destroy());
    upstream.pipe(p.res);
    await new Promise<void>((resolve) => {
      upstream.once('close', resolve);
      p.res.once('close', resolve);
    });
    if (!p.res.writableEnded) p.res.end();
  };

  /** exec/attach/portforward without an upgrade: nothing to stream to. */
  readonly upgradeRequiredHandler: SubresourceHandler = async () => {
    throw badRequest('Upgrade request required');
  };

  async getPod(namespace: string, name: string): Promise<KubeObject> {
    const pods = this.options.registry.lookup('', 'v1', 'pods');
    if (!pods) throw internalError('pods are not served');
    return pods.get(namespace, name);
  }

  /** Where the agent of the pod's node listens. */
  async agentFor(pod: KubeObject): Promise<AgentEndpoint> {
    const nodeName: string | undefined = pod.spec?.nodeName;
    if (!nodeName) throw badRequest(`pod ${pod.metadata?.name} does not have a host assigned`);
    const nodes = this.options.registry.lookup('', 'v1', 'nodes');
    if (!nodes) throw internalError('nodes are not served');
    let node: KubeObject;
    try {
      node = await nodes.get(undefined, nodeName);
    } catch (err) {
      if (err instanceof StatusError && err.code === 404)
        throw badRequest(`node "${nodeName}" of pod ${pod.metadata?.name} does not exist`);
      throw err;
    }
    const endpoint = nodeAgentEndpoint(node, this.options.agentToken);
    if (!endpoint) throw badRequest(`node "${nodeName}" has no address to reach its agent`);
    return endpoint;
  }

  target(kind: AgentRequestTarget['kind'], pod: KubeObject, container?: string): AgentRequestTarget {
    return { kind, namespace: pod.metadata?.namespace, pod: pod.metadata?.name, container };
  }
}

/**
 * The HTTP `upgrade` listener for pods/exec, pods/attach and pods/portforward: WebSocket
 * (exec/attach v5 and v4, SPDY-in-WebSocket port-forward) and SPDY/3.1.
 */
export async function handlePodUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, proxy: PodProxy): Promise<void> {
  socket.on('error', () => {});
  const { logger } = proxy.options;
  try {
    if (!(await proxy.options.authenticator.authenticate(req))) throw unauthorized();
    const url = new URL(req.url ?? '/', 'http://localhost');
    const info = parseRequestInfo(req.method ?? 'GET', url.pathname, url.searchParams);
    const sub =
      info.kind === 'resource' && info.group === '' && info.resource === 'pods' && info.name && info.namespace
        ? info.subresource
        : undefined;
    if (info.kind !== 'resource' || !sub || !['exec', 'attach', 'portforward'].includes(sub)) {
      throw badRequest(`upgrade is not supported for ${url.pathname}`);
    }
    const pod = await proxy.getPod(info.namespace!, info.name!);
    if (sub === 'portforward') await upgradePortForward(req, socket, head, proxy, pod, logger);
    else await upgradeExec(req, socket, head, proxy, pod, sub as 'exec' | 'attach', url.searchParams, logger);
  } catch (err) {
    const status = toStatusError(err);
    if (status.code >= 500) logger.warn({ err: String(err), url: req.url }, 'streaming upgrade failed');
    rejectUpgrade(socket, status.toStatus());
  }
}

async function upgradeExec(
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  proxy: PodProxy,
  pod: KubeObject,
  kind: 'exec' | 'attach',
  query: URLSearchParams,
  logger: Logger,
): Promise<void> {
  const container = resolveContainerName(pod, query.get('container'));
  if (!pod.spec?.nodeName) throw badRequest(`pod ${pod.metadata?.name} does not have a host assigned`);
  checkContainerRunning(pod, container);
  const tty = flag(query, 'tty');
  const opts = { tty, stdin: flag(query, 'stdin'), stdout: flag(query, 'stdout'), stderr: flag(query, 'stderr') && !tty };
  if (kind === 'exec' && query.getAll('command').length === 0) throw badRequest('you must specify at least 1 command');
  if (!opts.stdin && !opts.stdout && !opts.stderr) throw badRequest('you must specify at least 1 of stdin, stdout, stderr');

  // Negotiate with kubectl before bothering the agent.
  let websocketProtocol: string | undefined;
  let spdyProtocol: string | undefined;
  if (isWebSocketUpgrade(req)) {
    websocketProtocol = negotiate(headerValues(req, 'sec-websocket-protocol'), websocketExecProtocols);
    if (!websocketProtocol) throw badRequest(`unable to upgrade: the client must offer one of: ${websocketExecProtocols.join(', ')}`);
  } else if (isSpdyUpgrade(req)) {
    spdyProtocol = negotiate(headerValues(req, 'x-stream-protocol-version'), spdyExecProtocols);
    if (!spdyProtocol) {
      throw new StatusError(
        403,
        'Forbidden',
        `unable to upgrade connection: unable to negotiate protocol: client supports ${JSON.stringify(headerValues(req, 'x-stream-protocol-version'))}, server supports ${JSON.stringify(spdyExecProtocols)}`,
      );
    }
  } else {
    throw badRequest('Upgrade request required');
  }

  const agentQuery = new URLSearchParams();
  if (kind === 'exec') for (const c of query.getAll('command')) agentQuery.append('command', c);
  for (const [k, v] of Object.entries(opts)) if (v) agentQuery.set(k, 'true');
  const endpoint = await proxy.agentFor(pod);
  const agent = await openAgentWebSocket(endpoint, proxy.target(kind, pod, container), agentQuery, V5_PROTOCOL);

  if (websocketProtocol) {
    const client = await acceptWebSocket(req, socket, head, [websocketProtocol]);
    bridgeWebSocketExec(client, agent);
    return;
  }
  const session = acceptSpdyUpgrade(socket, head, spdyProtocol!);
  bridgeSpdyExec(session, agent, { protocol: spdyProtocol!, ...opts }, logger);
}

async function upgradePortForward(
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  proxy: PodProxy,
  pod: KubeObject,
  logger: Logger,
): Promise<void> {
  if (pod.status?.phase !== 'Running') {
    throw badRequest(`unable to forward port because pod is not running. Current status=${pod.status?.phase ?? 'Unknown'}`);
  }
  const endpoint = await proxy.agentFor(pod);
  const target = proxy.target('portForward', pod);
  const dial = (port: number) =>
    openAgentWebSocket(endpoint, target, new URLSearchParams({ port: String(port) }), PORT_FORWARD_AGENT_PROTOCOL);

  let session: SpdySession;
  if (isWebSocketUpgrade(req)) {
    const offered = headerValues(req, 'sec-websocket-protocol');
    if (!offered.includes(SPDY_OVER_WEBSOCKET_PORT_FORWARD)) {
      // The kubelet's channel protocol (client-node's PortForward): ports from the query.
      if (offered.length > 0 && !offered.includes(V4_PROTOCOL)) {
        throw badRequest(`unable to upgrade: the client must offer ${SPDY_OVER_WEBSOCKET_PORT_FORWARD} or ${V4_PROTOCOL}`);
      }
      const ports = portForwardPorts(new URL(req.url ?? '/', 'http://localhost').searchParams);
      const ws = await acceptWebSocket(req, socket, head, [V4_PROTOCOL]);
      bridgeChannelPortForward(ws, ports, dial, logger);
      return;
    }
    const ws = await acceptWebSocket(req, socket, head, [SPDY_OVER_WEBSOCKET_PORT_FORWARD]);
    ws.on('error', () => {});
    // The WebSocket only carries SPDY's bytes; message boundaries mean nothing.
    const tunnel = createWebSocketStream(ws, { allowHalfOpen: false });
    tunnel.on('error', () => {});
    session = new SpdySession(tunnel, { role: 'server' });
  } else if (isSpdyUpgrade(req)) {
    if (!headerValues(req, 'x-stream-protocol-version').includes(PORT_FORWARD_PROTOCOL)) {
      throw new StatusError(403, 'Forbidden', `unable to upgrade connection: the client must offer ${PORT_FORWARD_PROTOCOL}`);
    }
    session = acceptSpdyUpgrade(socket, head, PORT_FORWARD_PROTOCOL);
  } else {
    throw badRequest('Upgrade request required');
  }
  bridgePortForward(session, dial, logger);
}
