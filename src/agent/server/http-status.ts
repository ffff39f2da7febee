// metav1.Status bodies for the agent's HTTP answers, which the API server passes on to
// kubectl unchanged.
import type { ServerResponse } from 'node:http';

export class AgentHttpError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }

  toStatus(): Record<string, unknown> {
    return {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: this.reason,
      code: this.code,
    };
  }
}

export const badRequest = (message: string) => new AgentHttpError(400, 'BadRequest', message);
export const notFound = (message: string) => new AgentHttpError(404, 'NotFound', message);
export const unauthorized = () => new AgentHttpError(401, 'Unauthorized', 'Unauthorized');
export const internalError = (message: string) => new AgentHttpError(500, 'InternalError', message);

export function toAgentHttpError(err: unknown): AgentHttpError {
  if (err instanceof AgentHttpError) return err;
  return internalError(err instanceof Error ? err.message : String(err));
}

export function writeStatus(res: ServerResponse, err: AgentHttpError): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify(err.toStatus());
  res.writeHead(err.code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}
