// Serves the OpenAPI documents kubectl needs for validation and `explain`:
// /openapi/v2 (gnostic protobuf for kubectl ≤1.28, or JSON) and /openapi/v3 (JSON).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { openapiV2Document, openapiV2DocumentHash } from '../api/schema/openapi-v2.ts';
import { encodeOpenAPIV2Document } from '../api/schema/openapi-v2-protobuf.ts';
import { openapiV3Document, openapiV3DocumentHash, openapiV3Root } from '../api/schema/openapi-v3.ts';
import type { ApiRegistry } from './api-registry.ts';
import { resourceNotFound } from './errors.ts';

export class OpenApiHandler {
  private v2?: { json: string; protobuf: Uint8Array; etag: string };
  private readonly groupVersions: string[];

  constructor(private readonly registry: ApiRegistry) {
    this.groupVersions = registry.groups.flatMap((g) => g.versions.map((v) => (g.group ? `${g.group}/${v}` : v)));
  }

  private resourcesOf = (gv: string) => {
    const [group, version] = gv.includes('/') ? gv.split('/') : ['', gv];
    return this.registry.resourcesOf(group, version);
  };

  serve(req: IncomingMessage, res: ServerResponse, url: URL): void {
    const path = url.pathname;
    if (path === '/openapi/v2') {
      this.serveV2(req, res);
      return;
    }
    if (path === '/openapi/v3') {
      send(req, res, JSON.stringify(openapiV3Root(this.groupVersions, this.resourcesOf)), 'application/json');
      return;
    }
    const gv = path.replace(/^\/openapi\/v3\/(api|apis)\//, '');
    if (gv !== path && this.groupVersions.includes(gv)) {
      const resources = this.resourcesOf(gv);
      const hash = openapiV3DocumentHash(gv, resources);
      send(req, res, JSON.stringify(openapiV3Document(gv, resources)), 'application/json', `"${hash}"`);
      return;
    }
    throw resourceNotFound();
  }

  private serveV2(req: IncomingMessage, res: ServerResponse): void {
    if (!this.v2) {
      const resources = this.registry.resources;
      const doc = openapiV2Document(resources);
      this.v2 = { json: JSON.stringify(doc), protobuf: encodeOpenAPIV2Document(doc), etag: `"${openapiV2DocumentHash(resources)}"` };
    }
    // kubectl ≤1.28 asks for the gnostic protobuf and needs application/octet-stream back.
    if ((req.headers.accept ?? '').includes('protobuf'))
      send(req, res, Buffer.from(this.v2.protobuf), 'application/octet-stream', this.v2.etag);
    else send(req, res, this.v2.json, 'application/json', this.v2.etag);
  }
}

function send(req: IncomingMessage, res: ServerResponse, body: string | Buffer, contentType: string, etag?: string): void {
  const headers: Record<string, string> = { 'Content-Type': contentType, Vary: 'Accept' };
  if (etag) {
    headers.ETag = etag;
    if (req.headers['if-none-match'] === etag) {
      res.writeHead(304, headers);
      res.end();
      return;
    }
  }
  res.writeHead(200, { ...headers, 'Content-Length': String(Buffer.byteLength(body)) });
  res.end(body);
}
