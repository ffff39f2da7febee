// Connects kubectl's exec/attach session to the agent's v5 WebSocket.
//   WebSocket (kubectl ≥1.30): the framing is the same on both sides, so messages are
//   relayed one for one; when the agent closes after its status, kubectl's socket is closed.
//   SPDY (kubectl ≤1.29 and the fallback): kubectl opens one stream per channel (error,
//   stdin, stdout, stderr, resize). All are answered with SYN_REPLY and only then does agent
//   output start to flow (kubectl deadlocks if output overtakes the replies); the status
//   goes to the `error` stream at the end.
import type { Logger } from 'pino';
import { WebSocket } from 'ws';
import { Channel, channelFrame, closeSignal, type ExecStatus, V4_PROTOCOL } from './channel-protocol.ts';
import type { SpdySession, SpdyStream } from './spdy-session.ts';
import { pipeReadableToWebSocket, relayWebSocket, writeWithBackpressure } from './websocket-flow.ts';

/** kubectl waits this long for stream replies; the server gives up on missing streams alike. */
const STREAM_CREATION_TIMEOUT_MS = 30_000;

export function bridgeWebSocketExec(client: WebSocket, agent: WebSocket): void {
  client.on('error', () => {});
  agent.on('error', () => {});
  relayWebSocket(client, agent, (data) => data);
  relayWebSocket(agent, client, (data) => data);
  agent.once('close', () => {
    if (client.readyState === WebSocket.OPEN) client.close(1000);
  });
  client.once('close', () => {
    if (agent.readyState === WebSocket.OPEN || agent.readyState === WebSocket.CONNECTING) agent.close(1000);
  });
  agent.resume();
}

export interface SpdyExecOptions {
  /** The negotiated X-Stream-Protocol-Version. */
  protocol: string;
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

type StreamName = 'error' | 'stdin' | 'stdout' | 'stderr' | 'resize';

function expectedStreams(opts: SpdyExecOptions): StreamName[] {
  const names: StreamName[] = ['error'];
  if (opts.stdin) names.push('stdin');
  if (opts.stdout) names.push('stdout');
  if (opts.stderr && !opts.tty) names.push('stderr');
  // The resize stream exists from v3 on, and only with a TTY.
  if (opts.tty && (opts.protocol === V4_PROTOCOL || opts.protocol === 'v3.channel.k8s.io')) names.push('resize');
  return names;
}

export function bridgeSpdyExec(session: SpdySession, agent: WebSocket, opts: SpdyExecOptions, logger: Logger): void {
  agent.on('error', () => {});
  const wanted = expectedStreams(opts);
  const streams = new Map<StreamName, SpdyStream>();
  let started = false;
  const timer = setTimeout(() => {
    if (started) return;
    logger.debug({ got: [...streams.keys()], wanted }, 'exec streams not created in time');
    session.destroy();
  }, STREAM_CREATION_TIMEOUT_MS);
  timer.unref();

  session.on('stream', (stream: SpdyStream) => {
    stream.on('error', () => {});
    stream.reply();
    const type = stream.headers.get('streamtype') as StreamName | undefined;
    if (!type || !wanted.includes(type) || streams.has(type)) {
      stream.resetStream();
      return;
    }
    streams.set(type, stream);
    if (!started && wanted.every((name) => streams.has(name))) {
      started = true;
      clearTimeout(timer);
      start();
    }
  });
  session.once('close', () => {
    clearTimeout(timer);
    if (agent.readyState === WebSocket.OPEN || agent.readyState === WebSocket.CONNECTING) agent.close(1000);
  });

  function start(): void {
    const stdin = streams.get('stdin');
    const stdout = streams.get('stdout');
    const stderr = streams.get('stderr');
    const errorStream = streams.get('error')!;
    const resize = streams.get('resize');
    // The client's side of the error stream carries nothing.
    errorStream.resume();
    if (stdin) {
      void pipeReadableToWebSocket(stdin, agent, (c) => channelFrame(Channel.Stdin, c)).then(() => {
        if (agent.readyState === WebSocket.OPEN) agent.send(closeSignal(Channel.Stdin));
      });
    }
    resize?.on('data', (chunk: Buffer) => {
      if (agent.readyState === WebSocket.OPEN) agent.send(channelFrame(Channel.Resize, chunk));
    });

    let status: ExecStatus | undefined;
    agent.on('message', (data: Buffer) => {
      if (data.length === 0) return;
      const payload = data.subarray(1);
      if (data[0] === Channel.Stdout && stdout) writeWithBackpressure(stdout, payload, agent);
      else if (data[0] === Channel.Stderr && stderr) writeWithBackpressure(stderr, payload, agent);
      else if (data[0] === Channel.Error) {
        try {
          status = JSON.parse(payload.toString('utf8'));
        } catch {
          status = { metadata: {}, status: 'Failure', message: payload.toString('utf8') };
        }
      }
    });
    agent.once('close', async () => {
      // Output first (kubectl reads it to the end), then the status, then the connection.
      await Promise.all([endStream(stdout), endStream(stderr)]);
      finishWithStatus(
        errorStream,
        status ?? { metadata: {}, status: 'Failure', message: 'the connection to the node agent was lost' },
        opts.protocol,
      );
      errorStream.end(() => session.close());
    });
    agent.resume();
  }
}

function endStream(stream: SpdyStream | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (!stream || stream.destroyed || stream.writableFinished) return resolve();
    stream.once('close', () => resolve());
    stream.end(() => resolve());
  });
}

/** v4 sends the Status as JSON; older protocols send the error text, or nothing on success. */
function finishWithStatus(errorStream: SpdyStream, status: ExecStatus, protocol: string): void {
  if (protocol === V4_PROTOCOL) {
    errorStream.write(JSON.stringify(status));
    return;
  }
  if (status.status !== 'Success') errorStream.write(status.message ?? 'command failed');
}
