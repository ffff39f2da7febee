// GET /containerLogs/<ns>/<pod>/<container>: the container's log as kubectl shows it.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LogOptionsError, parseLogOptions } from '../logs/log-options.ts';
import { writeContainerLogs } from '../logs/read-container-logs.ts';
import type { Runtime } from '../runtime/runtime.ts';
import type { AgentRequestTarget } from './agent-protocol.ts';
import type { FindContainer } from './find-container.ts';
import { badRequest, notFound } from './http-status.ts';

export async function serveContainerLogs(
  _req: IncomingMessage,
  res: ServerResponse,
  target: AgentRequestTarget,
  query: URLSearchParams,
  deps: { runtime: Runtime; findContainer: FindContainer },
): Promise<void> {
  const container = target.container!;
  let options: ReturnType<typeof parseLogOptions>;
  try {
    options = parseLogOptions(query);
  } catch (err) {
    if (err instanceof LogOptionsError) throw badRequest(err.message);
    throw err;
  }
  const ref = await deps.findContainer(target.namespace, target.pod, container);
  if (!ref) throw notFound(`container "${container}" in pod "${target.pod}" is not available`);
  let path = ref.logPath;
  let exited: Promise<unknown> | undefined;
  if (options.previous) {
    if (!ref.previousLogPath) throw badRequest(`previous terminated container "${container}" in pod "${target.pod}" not found`);
    path = ref.previousLogPath;
    exited = Promise.resolve();
  } else if (options.follow) {
    exited = ref.running ? deps.runtime.waitContainer(ref.containerId) : Promise.resolve();
  }
  const aborted = new AbortController();
  // The response closes when the client goes away (or when we finished).
  res.once('close', () => aborted.abort());
  res.writeHead(200, { 'Content-Type': 'text/plain', 'Cache-Control': 'no-cache' });
  res.flushHeaders();
  await writeContainerLogs(path, options, res, { exited, signal: aborted.signal });
  res.end();
}
