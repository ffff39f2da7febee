// What the API server and a node agent say to each other for logs, exec, attach and
// port-forward (the agent's side of kubelet's streaming API, deliberately simpler than what
// kubectl speaks):
//   GET  /containerLogs/<ns>/<pod>/<container>?follow&tailLines&…   plain HTTP, text/plain
//   WS   /exec/<ns>/<pod>/<container>?command=…&tty&stdin&stdout&stderr   v5.channel.k8s.io
//   WS   /attach/<ns>/<pod>/<container>?tty&stdin&stdout&stderr         v5.channel.k8s.io
//   WS   /portForward/<ns>/<pod>?port=N   one TCP connection per WebSocket: binary messages
//        are bytes, an empty binary message means "no more bytes from this side" (half-close)
// Every request carries `Authorization: Bearer <agent join token>`. Failures before the
// upgrade are HTTP responses with a metav1.Status body, which the API server passes on.

export const PORT_FORWARD_AGENT_PROTOCOL = 'portforward.hale.dev';

/** The node's and its pods' CPU and memory use (a ResourceUsageReport, JSON). */
export const STATS_RESOURCE_PATH = '/stats/resource';

export type AgentRequestKind = 'containerLogs' | 'exec' | 'attach' | 'portForward';

export interface AgentRequestTarget {
  kind: AgentRequestKind;
  namespace: string;
  pod: string;
  /** Absent for portForward. */
  container?: string;
}

export function agentPath(target: AgentRequestTarget): string {
  const parts = [target.kind, target.namespace, target.pod];
  if (target.container !== undefined) parts.push(target.container);
  return `/${parts.map(encodeURIComponent).join('/')}`;
}

export function parseAgentPath(pathname: string): AgentRequestTarget | undefined {
  const parts = pathname.split('/').filter(Boolean).map(decodeURIComponent);
  const [kind, namespace, pod, container, ...rest] = parts;
  if (rest.length > 0 || !namespace || !pod) return undefined;
  if (kind === 'portForward') return container === undefined ? { kind, namespace, pod } : undefined;
  if (kind === 'containerLogs' || kind === 'exec' || kind === 'attach') return container ? { kind, namespace, pod, container } : undefined;
  return undefined;
}
