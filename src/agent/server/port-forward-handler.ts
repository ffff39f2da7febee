// /portForward/<ns>/<pod>?port=N: one TCP connection into the pod per WebSocket. The
// connection is made before the upgrade, so a refused port is an HTTP error the API server
// can show to kubectl. Binary messages are bytes; an empty one is a half-close.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket } from 'ws';
import { acceptWebSocket } from '../../apiserver/streaming/upgrade.ts';
import { pipeReadableToWebSocket, writeWithBackpressure } from '../../apiserver/streaming/websocket-flow.ts';
import type { Runtime } from '../runtime/runtime.ts';
import { type AgentRequestTarget, PORT_FORWARD_AGENT_PROTOCOL } from './agent-protocol.ts';
import type { FindSandbox } from './find-container.ts';
import { badRequest, internalError, notFound } from './http-status.ts';

export async function servePortForward(
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  target: AgentRequestTarget,
  query: URLSearchParams,
  deps: { runtime: Runtime; findSandbox: FindSandbox },
): Promise<void> {
  const port = Number(query.get('port'));
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw badRequest(`invalid port "${query.get('port') ?? ''}"`);
  const sandboxId = await deps.findSandbox(target.namespace, target.pod);
  if (!sandboxId) throw notFound(`pod "${target.pod}" has no running sandbox on this node`);
  let conn: Duplex;
  try {
    conn = await deps.runtime.portForward(sandboxId, port);
  } catch (err) {
    throw internalError(
      `error forwarding port ${port} to pod ${target.namespace}/${target.pod}: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  conn.on('error', () => {});
  const ws = await acceptWebSocket(req, socket, head, [PORT_FORWARD_AGENT_PROTOCOL]);
  ws.on('error', () => {});
  relay(ws, conn);
}

function relay(ws: WebSocket, conn: Duplex): void {
  ws.on('message', (data: Buffer) => {
    if (data.length === 0) conn.end();
    else writeWithBackpressure(conn, data, ws);
  });
  ws.once('close', () => conn.destroy());
  void pipeReadableToWebSocket(conn, ws, (c) => c).then(() => {
    // The pod closed its side: tell the other end with an empty message.
    if (ws.readyState === WebSocket.OPEN) ws.send(Buffer.alloc(0), { binary: true });
  });
  // Both directions are done (or the connection was reset): the forward is over.
  conn.once('close', () => {
    if (ws.readyState === WebSocket.OPEN) ws.close(1000);
  });
}
