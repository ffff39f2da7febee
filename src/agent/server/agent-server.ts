// The agent's own HTTPS server (the kubelet's port 10250 in Kubernetes): container logs,
// exec, attach, port-forward and resource usage for the API server, its only intended client.
// It authenticates every request by the agent join token. Its certificate is self-signed
// (see serving-cert.ts), so the API server does not verify it.
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { type Logger, pino } from 'pino';
import { rejectUpgrade } from '../../apiserver/streaming/upgrade.ts';
import type { ResourceUsageReport } from '../metrics/resource-usage.ts';
import type { Runtime } from '../runtime/runtime.ts';
import { parseAgentPath, STATS_RESOURCE_PATH } from './agent-protocol.ts';
import { serveContainerLogs } from './container-logs-handler.ts';
import { serveExecOrAttach } from './exec-handler.ts';
import { type FindContainer, type FindSandbox, runtimeContainerFinder } from './find-container.ts';
import { AgentHttpError, notFound, toAgentHttpError, unauthorized, writeStatus } from './http-status.ts';
import { servePortForward } from './port-forward-handler.ts';
import { loadOrCreateServingCert, type ServingCert } from './serving-cert.ts';

export interface AgentServerOptions {
  runtime: Runtime;
  /** The agent join token: the API server presents it as a bearer token. */
  token: string;
  /** 0 picks a free port (tests). Kubernetes' kubelet uses 10250. */
  port: number;
  /** Address to listen on (default all interfaces). */
  bind?: string;
  /** Where the serving certificate is kept (`<dataDir>/tls/agent-serving.*`). */
  dataDir: string;
  logger?: Logger;
  /** Maps a pod's container to the runtime's ids and log files; defaults to asking the runtime. */
  findContainer?: FindContainer;
  /** Maps a pod to its running sandbox; defaults to asking the runtime. */
  findSandbox?: FindSandbox;
  /** Use this certificate instead of the one in dataDir. */
  tls?: ServingCert;
  /** CPU and memory use of the node and its pods, served at GET /stats/resource. */
  resourceUsage?: () => ResourceUsageReport;
}

export interface AgentServer {
  port: number;
  stop(): Promise<void>;
}

export async function startAgentServer(opts: AgentServerOptions): Promise<AgentServer> {
  const logger = (opts.logger ?? pino({ level: 'silent' })).child({ subsystem: 'agent-server' });
  const defaults = runtimeContainerFinder(opts.runtime);
  const deps = {
    runtime: opts.runtime,
    logger,
    findContainer: opts.findContainer ?? defaults.findContainer,
    findSandbox: opts.findSandbox ?? defaults.findSandbox,
  };
  const expected = Buffer.from(`Bearer ${opts.token}`);
  const authorized = (req: IncomingMessage) => {
    const presented = Buffer.from(req.headers.authorization ?? '');
    return presented.length === expected.length && timingSafeEqual(presented, expected);
  };

  const onRequest = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'https://agent');
    try {
      if (url.pathname === '/healthz') {
        res.writeHead(200, { 'Content-Type': 'text/plain' });
        res.end('ok');
        return;
      }
      if (!authorized(req)) throw unauthorized();
      if (url.pathname === STATS_RESOURCE_PATH && req.method === 'GET' && opts.resourceUsage) {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(opts.resourceUsage()));
        return;
      }
      const target = parseAgentPath(url.pathname);
      if (target?.kind === 'containerLogs' && req.method === 'GET') {
        await serveContainerLogs(req, res, target, url.searchParams, deps);
        return;
      }
      if (target) throw new AgentHttpError(400, 'BadRequest', 'Upgrade request required');
      throw notFound('the server could not find the requested resource');
    } catch (err) {
      const status = toAgentHttpError(err);
      if (status.code >= 500) logger.warn({ err: String(err), url: req.url }, 'agent request failed');
      writeStatus(res, status);
    }
  };

  const onUpgrade = async (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => {});
    const url = new URL(req.url ?? '/', 'https://agent');
    try {
      if (!authorized(req)) throw unauthorized();
      const target = parseAgentPath(url.pathname);
      if (target?.kind === 'exec' || target?.kind === 'attach') {
        await serveExecOrAttach(req, socket, head, target, url.searchParams, deps);
      } else if (target?.kind === 'portForward') {
        await servePortForward(req, socket, head, target, url.searchParams, deps);
      } else {
        throw notFound('the server could not find the requested resource');
      }
    } catch (err) {
      const status = toAgentHttpError(err);
      logger.debug({ err: String(err), url: req.url }, 'streaming request refused');
      rejectUpgrade(socket, { code: status.code, reason: status.reason, message: status.message });
    }
  };

  const tls = opts.tls ?? (await loadOrCreateServingCert(opts.dataDir));
  const server: Server = createServer({ cert: tls.certPem, key: tls.keyPem }, (req, res) => void onRequest(req, res));
  server.on('upgrade', (req, socket, head) => void onUpgrade(req, socket, head));
  // Log follows and port-forwards are long-lived.
  server.requestTimeout = 0;
  server.headersTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.bind ?? '0.0.0.0', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  logger.info({ port }, 'agent server listening');
  return {
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
