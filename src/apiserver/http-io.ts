// Reading request bodies and writing JSON/Status responses.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { requestEntityTooLarge, type StatusError } from './errors.ts';

/** Kubernetes limits request bodies to 3 MiB. */
export const maxBodyBytes = 3 * 1024 * 1024;

export async function readBody(req: IncomingMessage, limit = maxBodyBytes): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    throw requestEntityTooLarge(`the request body is larger than the limit of ${limit} bytes`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) {
      req.resume();
      throw requestEntityTooLarge(`the request body is larger than the limit of ${limit} bytes`);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export function writeJSON(res: ServerResponse, code: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export function writeStatusError(res: ServerResponse, err: StatusError): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  writeJSON(res, err.code, err.toStatus(), err.headers);
}

export interface TableRequest {
  version: 'v1' | 'v1beta1';
}

/** Does the Accept header ask for a server-side Table (`application/json;as=Table;v=v1;g=meta.k8s.io`)? */
export function wantsTable(accept: string | undefined): TableRequest | undefined {
  if (!accept) return undefined;
  for (const clause of accept.split(',')) {
    const params = new Map(
      clause
        .split(';')
        .slice(1)
        .map((p) => p.trim().split('=') as [string, string]),
    );
    if (params.get('as') === 'Table' && params.get('g') === 'meta.k8s.io') {
      const v = params.get('v');
      if (v === 'v1' || v === 'v1beta1') return { version: v };
    }
  }
  return undefined;
}

/** Adds a `Warning: 299 - "text"` header (kubectl prints these as "Warning: text"). */
export function addWarning(res: ServerResponse, text: string): void {
  const existing = res.getHeader('Warning');
  const value = `299 - ${JSON.stringify(text)}`;
  if (existing === undefined) res.setHeader('Warning', value);
  else res.setHeader('Warning', [...(Array.isArray(existing) ? existing : [String(existing)]), value]);
}
