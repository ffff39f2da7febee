// Port-forwarding over a WebSocket with the channel protocol (`v4.channel.k8s.io`, or no
// sub-protocol), as the kubelet serves it and @kubernetes/client-node's PortForward speaks it:
// the pod ports come from the `ports` query, port i gets data channel 2i and error channel
// 2i+1, and the server opens each channel with the port as two little-endian bytes. The
// client's bytes arrive as [2i, ...data]; a failure is written as text on channel 2i+1. One
// WebSocket is one connection per port (the client opens a WebSocket per local connection);
// when any pod side closes, the WebSocket closes.
import type { Logger } from 'pino';
import { WebSocket } from 'ws';
import { badRequest } from '../errors.ts';
import { channelFrame } from './channel-protocol.ts';
import type { DialPodPort } from './port-forward-bridge.ts';
import { relayWebSocket } from './websocket-flow.ts';

/** The pod ports of a port-forward request: `ports` repeated or comma separated (`port` too). */
export function portForwardPorts(query: URLSearchParams): number[] {
  const values = [...query.getAll('ports'), ...query.getAll('port')].flatMap((v) => v.split(','));
  const ports = values.map((v) => v.trim()).filter(Boolean);
  if (ports.length === 0) throw badRequest('query parameter "ports" is required');
  return ports.map((p) => {
    const n = Number(p);
    if (!/^\d+$/.test(p) || n < 1 || n > 65535) throw badRequest(`invalid port "${p}"`);
    return n;
  });
}

function portPrefix(port: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(port);
  return b;
}

export function bridgeChannelPortForward(ws: WebSocket, ports: number[], dial: DialPodPort, logger: Logger): void {
  const agents: (WebSocket | undefined)[] = [];
  const pending: Buffer[][] = ports.map(() => []);
  let closed = false;
  const closeAll = () => {
    if (closed) return;
    closed = true;
    for (const agent of agents) agent?.terminate();
    if (ws.readyState === WebSocket.OPEN) ws.close(1000);
  };
  ws.on('error', () => {});
  ws.once('close', closeAll);
  ws.on('message', (msg: Buffer, isBinary: boolean) => {
    if (!isBinary || msg.length === 0) return;
    const channel = msg[0];
    if (channel % 2 !== 0 || channel / 2 >= ports.length) return;
    const i = channel / 2;
    const payload = msg.subarray(1);
    if (payload.length === 0) return;
    const agent = agents[i];
    if (agent?.readyState === WebSocket.OPEN) agent.send(payload, { binary: true });
    else if (!agent) pending[i].push(Buffer.from(payload));
  });

  ports.forEach((port, i) => {
    ws.send(channelFrame(2 * i, portPrefix(port)), { binary: true });
    ws.send(channelFrame(2 * i + 1, portPrefix(port)), { binary: true });
    void connect(port, i);
  });

  async function connect(port: number, i: number): Promise<void> {
    let agent: WebSocket;
    try {
      agent = await dial(port);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      logger.debug({ message, port }, 'port-forward connection failed');
      if (ws.readyState === WebSocket.OPEN) ws.send(channelFrame(2 * i + 1, message), { binary: true }, closeAll);
      else closeAll();
      return;
    }
    if (closed) {
      agent.terminate();
      return;
    }
    agents[i] = agent;
    agent.on('error', () => {});
    for (const bytes of pending[i].splice(0)) agent.send(bytes, { binary: true });
    // An empty message is the pod side's half-close: this protocol has no way to say it.
    relayWebSocket(agent, ws, (bytes) => (bytes.length === 0 ? undefined : channelFrame(2 * i, bytes)));
    agent.once('close', closeAll);
    // The agent connection arrives paused (see openAgentWebSocket).
    agent.resume();
  }
}
