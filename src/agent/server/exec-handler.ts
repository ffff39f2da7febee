// /exec and /attach over a WebSocket speaking v5.channel.k8s.io: a runtime StreamSession's
// stdout/stderr become channels 1/2, channel 0 feeds stdin ([255, 0] closes it), channel 4
// resizes the TTY, and the outcome goes out as a Status on channel 3 before the WebSocket
// is closed (kubectl waits for that close).
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import type { WebSocket } from 'ws';
import {
  Channel,
  channelFrame,
  exitStatus,
  failureStatus,
  ResizeDecoder,
  V4_PROTOCOL,
  websocketExecProtocols,
} from '../../apiserver/streaming/channel-protocol.ts';
import { acceptWebSocket, headerValues, negotiate } from '../../apiserver/streaming/upgrade.ts';
import { pipeReadableToWebSocket, sendAndWait, writeWithBackpressure } from '../../apiserver/streaming/websocket-flow.ts';
import type { Runtime, StreamSession } from '../runtime/runtime.ts';
import type { AgentRequestTarget } from './agent-protocol.ts';
import type { FindContainer } from './find-container.ts';
import { badRequest, notFound } from './http-status.ts';

/** How long output may keep flowing after the command exited. */
const OUTPUT_AFTER_EXIT_MS = 5000;

function flag(query: URLSearchParams, name: string): boolean {
  const v = query.get(name);
  return v === 'true' || v === '1';
}

export async function serveExecOrAttach(
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  target: AgentRequestTarget,
  query: URLSearchParams,
  deps: { runtime: Runtime; findContainer: FindContainer; logger: Logger },
): Promise<void> {
  const container = target.container!;
  const tty = flag(query, 'tty');
  const opts = { tty, stdin: flag(query, 'stdin'), stdout: flag(query, 'stdout'), stderr: flag(query, 'stderr') && !tty };
  const argv = query.getAll('command');
  if (target.kind === 'exec' && argv.length === 0) throw badRequest('you must specify at least 1 command');
  if (!opts.stdin && !opts.stdout && !opts.stderr) throw badRequest('you must specify at least 1 of stdin, stdout, stderr');
  const protocol = negotiate(headerValues(req, 'sec-websocket-protocol'), websocketExecProtocols);
  if (!protocol) throw badRequest(`unable to upgrade: the client must offer one of: ${websocketExecProtocols.join(', ')}`);
  const ref = await deps.findContainer(target.namespace, target.pod, container);
  if (!ref) throw notFound(`container not found ("${container}")`);
  if (!ref.running) throw badRequest(`container ${container} is not running`);

  let session: StreamSession | undefined;
  let startError: string | undefined;
  try {
    session =
      target.kind === 'exec'
        ? await deps.runtime.exec(ref.containerId, { argv, ...opts })
        : await deps.runtime.attach(ref.containerId, opts);
  } catch (err) {
    startError = err instanceof Error ? err.message : String(err);
  }
  const ws = await acceptWebSocket(req, socket, head, [protocol]);
  ws.on('error', () => {});
  if (!session) {
    await sendAndWait(ws, channelFrame(Channel.Error, JSON.stringify(failureStatus(startError ?? 'failed to start'))));
    ws.close(1000);
    return;
  }
  await runSession(ws, session, { attach: target.kind === 'attach', closeSignal: protocol !== V4_PROTOCOL }, deps.logger);
}

async function runSession(
  ws: WebSocket,
  session: StreamSession,
  how: { attach: boolean; closeSignal: boolean },
  logger: Logger,
): Promise<void> {
  const resize = new ResizeDecoder();
  session.stdin?.on('error', () => {});
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    if (!isBinary || data.length === 0) return;
    const payload = data.subarray(1);
    switch (data[0]) {
      case Channel.Stdin:
        if (session.stdin && payload.length > 0) writeWithBackpressure(session.stdin, payload, ws);
        break;
      case Channel.Resize:
        for (const size of resize.push(payload)) session.resize(size.width, size.height);
        break;
      case Channel.Close:
        if (how.closeSignal && payload[0] === Channel.Stdin) session.stdin?.end();
        break;
    }
  });
  let clientGone = false;
  ws.once('close', () => {
    clientGone = true;
    session.stdin?.end();
    session.close();
  });
  const outputs: Promise<void>[] = [];
  if (session.stdout) outputs.push(pipeReadableToWebSocket(session.stdout, ws, (c) => channelFrame(Channel.Stdout, c)));
  if (session.stderr) outputs.push(pipeReadableToWebSocket(session.stderr, ws, (c) => channelFrame(Channel.Stderr, c)));
  let code = 0;
  try {
    code = await session.exit;
  } catch (err) {
    logger.debug({ err: String(err) }, 'stream session failed');
    code = -1;
  }
  // Output still in flight is delivered; a background process that keeps the pipes open
  // does not keep the session open for long.
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([Promise.all(outputs), new Promise((resolve) => (timer = setTimeout(resolve, OUTPUT_AFTER_EXIT_MS)))]);
  clearTimeout(timer);
  if (clientGone) return;
  // attach reports the end of the stream, not the container's exit code (as the kubelet does).
  const status = how.attach ? exitStatus(0) : code < 0 ? failureStatus('the command could not be run') : exitStatus(code);
  await sendAndWait(ws, channelFrame(Channel.Error, JSON.stringify(status)));
  ws.close(1000);
}
