// kubectl's port-forward session (SPDY, or SPDY tunnelled in a WebSocket) to agent
// connections: for every local connection kubectl opens an `error` and a `data` stream with
// the same `requestid` and the pod `port`; each pair becomes one agent WebSocket (one TCP
// connection in the pod). A failure is written as text on the `error` stream, which kubectl
// prints as "an error occurred forwarding L -> P: <text>".
import type { Logger } from 'pino';
import { WebSocket } from 'ws';
import type { SpdySession, SpdyStream } from './spdy-session.ts';
import { pipeReadableToWebSocket, writeWithBackpressure } from './websocket-flow.ts';

/** Opens the agent side of one forwarded connection (rejects with a StatusError or Error). */
export type DialPodPort = (port: number) => Promise<WebSocket>;

interface Pair {
  error?: SpdyStream;
  data?: SpdyStream;
}

export function bridgePortForward(session: SpdySession, dial: DialPodPort, logger: Logger): void {
  const pairs = new Map<string, Pair>();
  const agents = new Set<WebSocket>();
  let unnamed = 0;

  session.on('stream', (stream: SpdyStream) => {
    stream.on('error', () => {});
    stream.reply();
    const type = stream.headers.get('streamtype');
    // Clients before requestid existed open error then data for each connection.
    const requestId = stream.headers.get('requestid') ?? String(type === 'error' ? unnamed : unnamed++);
    const pair = pairs.get(requestId) ?? {};
    if (type === 'error') pair.error = stream;
    else if (type === 'data') pair.data = stream;
    else {
      stream.resetStream();
      return;
    }
    pairs.set(requestId, pair);
    if (pair.error && pair.data) {
      pairs.delete(requestId);
      void forward(pair.error, pair.data);
    }
  });
  session.once('close', () => {
    for (const ws of agents) ws.terminate();
  });

  async function forward(errorStream: SpdyStream, data: SpdyStream): Promise<void> {
    // kubectl closes its side of the error stream at once; only we write to it.
    errorStream.resume();
    const portHeader = data.headers.get('port') ?? '';
    const port = Number(portHeader);
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      fail(errorStream, data, `invalid port "${portHeader}"`);
      return;
    }
    let agent: WebSocket;
    try {
      agent = await dial(port);
    } catch (err) {
      fail(errorStream, data, err instanceof Error ? err.message : String(err));
      return;
    }
    if (session.closed) {
      agent.terminate();
      return;
    }
    agents.add(agent);
    agent.on('error', () => {});
    agent.on('message', (bytes: Buffer) => {
      if (bytes.length === 0) data.end();
      else writeWithBackpressure(data, bytes, agent);
    });
    agent.once('close', () => {
      agents.delete(agent);
      data.end();
      errorStream.end();
    });
    data.once('close', () => {
      if (agent.readyState === WebSocket.OPEN) agent.close(1000);
    });
    void pipeReadableToWebSocket(data, agent, (c) => c).then(() => {
      // kubectl's local connection stopped sending: pass the half-close on.
      if (agent.readyState === WebSocket.OPEN) agent.send(Buffer.alloc(0), { binary: true });
    });
    agent.resume();
  }

  function fail(errorStream: SpdyStream, data: SpdyStream, message: string): void {
    logger.debug({ message }, 'port-forward connection failed');
    errorStream.end(message);
    data.end();
  }
}
