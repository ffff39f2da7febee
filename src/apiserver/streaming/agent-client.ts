// The API server's side of the agent connection: HTTPS for logs, WebSocket for exec/attach/
// port-forward, authenticated with the agent join token. Agents serve a self-signed
// certificate and there is no CA for them yet, so the certificate is not verified (the
// token still proves the API server to the agent; see docs/differences.md).
// An agent's refusal (a non-2xx answer with a Status body) becomes a StatusError, so
// kubectl sees the agent's message.
import type { IncomingMessage } from 'node:http';
import { request } from 'node:https';
import { WebSocket } from 'ws';
import { type AgentRequestTarget, agentPath } from '../../agent/server/agent-protocol.ts';
import { StatusError } from '../errors.ts';

export interface AgentEndpoint {
  host: string;
  port: number;
  token: string;
}

function baseUrl(scheme: 'https' | 'wss', endpoint: AgentEndpoint): string {
  const host = endpoint.host.includes(':') ? `[${endpoint.host}]` : endpoint.host;
  return `${scheme}://${host}:${endpoint.port}`;
}

function agentUrl(scheme: 'https' | 'wss', endpoint: AgentEndpoint, target: AgentRequestTarget, query: URLSearchParams): string {
  const q = query.toString();
  return `${baseUrl(scheme, endpoint)}${agentPath(target)}${q ? `?${q}` : ''}`;
}

function dialError(err: Error): StatusError {
  return new StatusError(500, 'InternalError', `error dialing backend: ${err.message}`);
}

async function readAll(res: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Turns an agent's error answer into a StatusError with its message. */
export async function agentErrorFrom(res: IncomingMessage): Promise<StatusError> {
  const code = res.statusCode ?? 500;
  const text = await readAll(res).catch(() => '');
  try {
    const status = JSON.parse(text);
    if (status?.kind === 'Status' && typeof status.message === 'string') {
      return new StatusError(status.code ?? code, status.reason ?? '', status.message);
    }
  } catch {
    // not JSON
  }
  return new StatusError(code, code === 400 ? 'BadRequest' : 'InternalError', text.trim() || `the node agent answered ${code}`);
}

/** GET `path` of the agent as JSON, within `timeoutMs`. */
export function fetchAgentJson(endpoint: AgentEndpoint, path: string, timeoutMs: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const req = request(`${baseUrl('https', endpoint)}${path}`, {
      method: 'GET',
      headers: { Authorization: `Bearer ${endpoint.token}` },
      rejectUnauthorized: false,
      timeout: timeoutMs,
    });
    req.once('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.once('error', (err) => reject(dialError(err)));
    req.once('response', (res) => {
      if (res.statusCode !== 200) {
        agentErrorFrom(res).then(reject, reject);
        return;
      }
      readAll(res).then((text) => {
        try {
          resolve(JSON.parse(text));
        } catch (err) {
          reject(err);
        }
      }, reject);
    });
    req.end();
  });
}

/** GET /containerLogs/…: resolves with the 200 response, or rejects with the agent's error. */
export function openAgentLogs(endpoint: AgentEndpoint, target: AgentRequestTarget, query: URLSearchParams): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = request(agentUrl('https', endpoint, target, query), {
      method: 'GET',
      headers: { Authorization: `Bearer ${endpoint.token}` },
      rejectUnauthorized: false,
    });
    req.once('error', (err) => reject(dialError(err)));
    req.once('response', (res) => {
      if (res.statusCode === 200) resolve(res);
      else agentErrorFrom(res).then(reject, reject);
    });
    req.end();
  });
}

/** Opens a WebSocket to the agent; the socket is paused so no message is lost before wiring. */
export function openAgentWebSocket(
  endpoint: AgentEndpoint,
  target: AgentRequestTarget,
  query: URLSearchParams,
  protocol: string,
): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(agentUrl('wss', endpoint, target, query), [protocol], {
      headers: { Authorization: `Bearer ${endpoint.token}` },
      rejectUnauthorized: false,
      perMessageDeflate: false,
      maxPayload: 64 * 1024 * 1024,
    });
    let settled = false;
    ws.once('open', () => {
      settled = true;
      ws.pause();
      resolve(ws);
    });
    ws.once('unexpected-response', (_req, res) => {
      settled = true;
      // Read the refusal's body before dropping the connection.
      agentErrorFrom(res)
        .then(reject, reject)
        .finally(() => ws.terminate());
    });
    ws.on('error', (err) => {
      if (settled) return;
      settled = true;
      reject(dialError(err));
    });
  });
}
