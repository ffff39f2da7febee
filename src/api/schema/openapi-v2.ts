// The Swagger 2.0 (/openapi/v2) document generated from the schema definitions: the same
// definitions and operations as the v3 documents, for every served resource in one document.
// kubectl 1.27/1.28 need it (as protobuf, see openapi-v2-protobuf.ts) for `explain`, for the
// field-validation check before `apply`/`create -f`, and for strategic-merge metadata.
import type { ResourceType } from '../resource-type.ts';
import type { ApiOperation, ApiParameter, Dialect, JsonObject } from './openapi-v3.ts';
import {
  contentHash,
  operationSchemas,
  patchContentTypes,
  reachableDefinitions,
  renderDefinition,
  renderPaths,
  resourcePaths,
} from './openapi-v3.ts';
import { allDefinitions } from './registry.ts';

export const V2: Dialect = { version: 2, refPrefix: '#/definitions/' };

function renderParameterV2(p: ApiParameter): JsonObject {
  const out: JsonObject = { description: p.description, in: p.in, name: p.name };
  if (p.required) out.required = true;
  out.type = p.type;
  out.uniqueItems = true;
  return out;
}

function renderOperationV2(op: ApiOperation): JsonObject {
  const ref = (name: string) => ({ $ref: V2.refPrefix + name });
  const out: JsonObject = {
    consumes: op.body?.patch ? [...patchContentTypes] : ['*/*'],
    description: op.description,
    operationId: op.operationId,
  };
  const parameters: JsonObject[] = [];
  if (op.body) {
    const body: JsonObject = { in: 'body', name: 'body', schema: op.body.schema ? ref(op.body.schema) : { type: 'object' } };
    if (op.body.required) body.required = true;
    parameters.push(body);
  }
  parameters.push(...op.parameters.map(renderParameterV2));
  if (parameters.length) out.parameters = parameters;
  out.produces = ['application/json', 'application/yaml'];
  const responses: JsonObject = {};
  for (const r of op.responses)
    responses[r.code] = r.schema ? { description: r.description, schema: ref(r.schema) } : { description: r.description };
  out.responses = responses;
  out.schemes = ['https'];
  out.tags = [op.tag];
  out['x-kubernetes-action'] = op.action;
  out['x-kubernetes-group-version-kind'] = { group: op.gvk.group, kind: op.gvk.kind, version: op.gvk.version };
  return out;
}

const cache = new Map<string, JsonObject>();

/** The Swagger 2.0 document for all the given resources (every group/version together). */
export function openapiV2Document(resources: ResourceType[]): JsonObject {
  const shape = resources.map((rt) => [
    rt.group,
    rt.version,
    rt.kind,
    rt.listKind,
    rt.plural,
    rt.namespaced,
    rt.verbs,
    rt.schema,
    rt.subresources,
  ]);
  const key = `${Object.keys(allDefinitions()).length}\n${JSON.stringify(shape)}`;
  const cached = cache.get(key);
  if (cached) return cached;
  const paths = resourcePaths(resources);
  const renderedPaths = renderPaths(paths, renderOperationV2, renderParameterV2);
  const definitions: JsonObject = {};
  for (const name of reachableDefinitions(operationSchemas(paths))) definitions[name] = renderDefinition(name, V2);
  const document: JsonObject = {
    definitions,
    info: { title: 'Kubernetes', version: 'unversioned' },
    paths: renderedPaths,
    swagger: '2.0',
  };
  cache.set(key, document);
  return document;
}

/** A content hash of the v2 document, usable as an ETag. */
export function openapiV2DocumentHash(resources: ResourceType[]): string {
  return contentHash(JSON.stringify(openapiV2Document(resources)));
}
