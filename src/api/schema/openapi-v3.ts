// OpenAPI v3 documents generated from the schema definitions: the /openapi/v3 root (one
// entry per group/version with a content hash in its URL) and one document per
// group/version. kubectl ≥1.29 reads them for `explain`, for its field-validation check
// (a PATCH operation with the kind's x-kubernetes-group-version-kind and a `fieldValidation`
// query parameter) and for strategic-merge metadata when computing apply patches.
// The schema rendering and the list of operations are shared with the v2 (Swagger) document.
import { createHash } from 'node:crypto';
import type { ResourceType } from '../resource-type.ts';
import { defaultVerbs, listKindOf } from '../resource-type.ts';
import { allDefinitions, getDefinition, hasDefinition, jsonFields } from './registry.ts';
import type { Field, Schema } from './types.ts';

export type JsonObject = Record<string, unknown>;
export type GroupVersionKind = { group: string; version: string; kind: string };

// Wrapper types that Kubernetes publishes as named definitions although they are JSON scalars.
// Fields written with the dsl's time()/quantity()/... are rendered as refs to them, like
// kube-apiserver does, so `kubectl explain` shows <Time>, <Quantity>, <IntOrString>.
export const TIME = 'io.k8s.apimachinery.pkg.apis.meta.v1.Time';
export const MICRO_TIME = 'io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime';
export const QUANTITY = 'io.k8s.apimachinery.pkg.api.resource.Quantity';
export const INT_OR_STRING = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString';
export const RAW_EXTENSION = 'io.k8s.apimachinery.pkg.runtime.RawExtension';
export const PATCH = 'io.k8s.apimachinery.pkg.apis.meta.v1.Patch';
const DELETE_OPTIONS = 'io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions';
const STATUS = 'io.k8s.apimachinery.pkg.apis.meta.v1.Status';
const SCALE = 'io.k8s.api.autoscaling.v1.Scale';

const scalarWrapperDescriptions: Record<string, string> = {
  [TIME]: 'A timestamp in RFC 3339 form, to the second.',
  [MICRO_TIME]: 'A timestamp in RFC 3339 form with microsecond precision.',
  [QUANTITY]: 'A fixed-point amount such as "250m", "1.5Gi" or "2", written as a string or a plain number.',
  [INT_OR_STRING]: 'Either an integer or a string, e.g. a port number or a port name, or a percentage like "25%".',
  [RAW_EXTENSION]: 'An embedded object of any kind, kept as JSON.',
  [PATCH]: 'The body of a PATCH request; its format depends on the Content-Type.',
};

/** Names rendered by this module itself rather than from the registry. */
export function isScalarWrapper(name: string): boolean {
  return name in scalarWrapperDescriptions;
}

/** The scalar schema a ref to a wrapper name stands for (refs and dsl formats are interchangeable). */
export function scalarWrapperSchema(name: string): Schema | undefined {
  switch (name) {
    case TIME:
      return { type: 'string', format: 'date-time' };
    case MICRO_TIME:
      return { type: 'string', format: 'date-time-micro' };
    case QUANTITY:
      return { type: 'string', format: 'quantity' };
    case INT_OR_STRING:
      return { type: 'string', format: 'int-or-string' };
    case RAW_EXTENSION:
      return { type: 'any' };
    default:
      return undefined;
  }
}

/** The two OpenAPI flavours differ in where refs point and how a ref carries a description. */
export interface Dialect {
  version: 2 | 3;
  refPrefix: string;
}
export const V3: Dialect = { version: 3, refPrefix: '#/components/schemas/' };

/** The named definition a schema refers to, counting dsl formats that stand for wrapper types. */
export function referencedName(schema: Schema): string | undefined {
  if ('ref' in schema) return schema.ref;
  if (schema.type !== 'string') return undefined;
  switch (schema.format) {
    case 'date-time':
      return TIME;
    case 'date-time-micro':
      return MICRO_TIME;
    case 'quantity':
      return QUANTITY;
    case 'int-or-string':
      return INT_OR_STRING;
    default:
      return undefined;
  }
}

function isRenderable(name: string): boolean {
  return (isScalarWrapper(name) && name !== RAW_EXTENSION) || hasDefinition(name);
}

const arbitrary = (): JsonObject => ({ type: 'object', 'x-kubernetes-preserve-unknown-fields': true });

/** A field (or array item / map value) as an OpenAPI schema object. */
export function renderSchema(schema: Schema | Field, d: Dialect): JsonObject {
  const field = schema as Field;
  let out: JsonObject;
  const name = referencedName(schema);
  if (name !== undefined && name !== RAW_EXTENSION) {
    // A ref to a definition that nobody registered would make the whole document unusable
    // (kubectl ≤1.28 rejects dangling refs), so it degrades to free-form JSON.
    if (!isRenderable(name)) out = arbitrary();
    else if (d.version === 3 && field.description) out = { allOf: [{ $ref: d.refPrefix + name }] };
    else out = { $ref: d.refPrefix + name };
  } else if (name === RAW_EXTENSION) {
    out = arbitrary();
  } else if ('type' in schema) {
    switch (schema.type) {
      case 'string':
        out = { type: 'string' };
        if (schema.format === 'byte') out.format = 'byte';
        if (schema.enum?.length) out.enum = [...schema.enum];
        break;
      case 'integer':
        out = { type: 'integer', format: schema.format ?? 'int64' };
        break;
      case 'number':
        out = { type: 'number', format: schema.format ?? 'double' };
        break;
      case 'boolean':
        out = { type: 'boolean' };
        break;
      case 'array':
        out = { type: 'array', items: renderSchema(schema.items, d) };
        break;
      case 'map':
        out = { type: 'object', additionalProperties: renderSchema(schema.values, d) };
        break;
      default:
        out = arbitrary();
    }
  } else {
    out = arbitrary();
  }
  if (field.description) out.description = field.description;
  if (field.listType) out['x-kubernetes-list-type'] = field.listType;
  if (field.listMapKeys?.length) out['x-kubernetes-list-map-keys'] = [...field.listMapKeys];
  if (field.patchMergeKey) out['x-kubernetes-patch-merge-key'] = field.patchMergeKey;
  if (field.patchStrategy) out['x-kubernetes-patch-strategy'] = field.patchStrategy;
  return sortKeys(out);
}

/** A named definition (registry or wrapper) as an OpenAPI schema object. */
export function renderDefinition(name: string, d: Dialect): JsonObject {
  const description = scalarWrapperDescriptions[name];
  switch (name) {
    case TIME:
    case MICRO_TIME:
      return { description, format: 'date-time', type: 'string' };
    case QUANTITY:
      // kube-apiserver publishes Quantity as string-or-number in v3 and as a string in v2.
      return d.version === 3 ? { description, oneOf: [{ type: 'string' }, { type: 'number' }] } : { description, type: 'string' };
    case INT_OR_STRING:
      return d.version === 3
        ? { description, format: 'int-or-string', oneOf: [{ type: 'integer' }, { type: 'string' }] }
        : { description, format: 'int-or-string', type: 'string' };
    case PATCH:
      return { description, type: 'object' };
  }
  const def = getDefinition(name);
  const fields = jsonFields(name);
  const out: JsonObject = {};
  if (def.description) out.description = def.description;
  const names = Object.keys(fields).sort();
  if (names.length) {
    const properties: JsonObject = {};
    for (const field of names) properties[field] = renderSchema(fields[field], d);
    out.properties = properties;
  }
  if (def.required?.length) out.required = [...def.required];
  out.type = 'object';
  if (def.gvk?.length) out['x-kubernetes-group-version-kind'] = def.gvk.map((g) => ({ group: g.group, kind: g.kind, version: g.version }));
  return out;
}

function schemaRefs(schema: Schema, into: Set<string>): void {
  const name = referencedName(schema);
  if (name !== undefined) {
    if (isRenderable(name)) into.add(name);
    return;
  }
  if ('type' in schema && schema.type === 'array') schemaRefs(schema.items, into);
  if ('type' in schema && schema.type === 'map') schemaRefs(schema.values, into);
}

/** Every definition reachable from the roots, sorted (wrappers included, unknown names dropped). */
export function reachableDefinitions(roots: Iterable<string>): string[] {
  const seen = new Set<string>();
  const queue = [...roots].filter(isRenderable);
  while (queue.length) {
    const name = queue.pop()!;
    if (seen.has(name)) continue;
    seen.add(name);
    if (isScalarWrapper(name)) continue;
    const refs = new Set<string>();
    for (const field of Object.values(jsonFields(name))) schemaRefs(field, refs);
    for (const ref of refs) if (!seen.has(ref)) queue.push(ref);
  }
  return [...seen].sort();
}

// ---------------------------------------------------------------------------------------
// Operations: one neutral description of each resource's REST operations, rendered by the
// v3 and v2 documents. Names follow kube-apiserver (e.g. patchAppsV1NamespacedDeployment).

export interface ApiParameter {
  name: string;
  in: 'query' | 'path';
  type: 'string' | 'integer' | 'boolean';
  description: string;
  required?: boolean;
}

export interface ApiOperation {
  method: 'get' | 'put' | 'post' | 'patch' | 'delete';
  operationId: string;
  description: string;
  action: 'get' | 'list' | 'post' | 'put' | 'patch' | 'delete' | 'deletecollection';
  gvk: GroupVersionKind;
  tag: string;
  parameters: ApiParameter[];
  /** Request body: a definition name (undefined = free-form) and, for PATCH, the patch media types. */
  body?: { schema?: string; required: boolean; patch?: boolean };
  responses: { code: string; description: string; schema?: string }[];
}

export interface ApiPath {
  path: string;
  parameters: ApiParameter[];
  operations: ApiOperation[];
}

export const patchContentTypes = [
  'application/apply-patch+yaml',
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/strategic-merge-patch+json',
];

const q = (name: string, type: ApiParameter['type'], description: string): ApiParameter => ({ name, in: 'query', type, description });
const param = {
  pretty: q('pretty', 'string', "If 'true', the response is indented for reading."),
  dryRun: q('dryRun', 'string', 'When set to All, the request is processed and validated but nothing is stored.'),
  fieldManager: q('fieldManager', 'string', 'Name of the actor making the change, recorded for field ownership.'),
  fieldValidation: q(
    'fieldValidation',
    'string',
    'How to treat unknown or duplicate fields in the body: Ignore drops them, Warn drops them with a warning header, Strict rejects the request.',
  ),
  force: q('force', 'boolean', 'For apply patches: take ownership of fields other managers own instead of failing with a conflict.'),
  allowWatchBookmarks: q('allowWatchBookmarks', 'boolean', 'Ask a watch to send BOOKMARK events carrying the latest resourceVersion.'),
  continue: q('continue', 'string', 'Token from a previous limited list, to fetch the next page.'),
  fieldSelector: q('fieldSelector', 'string', 'Only return objects whose fields match, e.g. metadata.name=web.'),
  labelSelector: q('labelSelector', 'string', 'Only return objects whose labels match, e.g. app=web,tier!=db.'),
  limit: q('limit', 'integer', 'Maximum number of items to return; the rest can be fetched with the continue token.'),
  resourceVersion: q('resourceVersion', 'string', 'Which version of the data to serve (lists) or to start watching from (watches).'),
  resourceVersionMatch: q(
    'resourceVersionMatch',
    'string',
    'How resourceVersion is interpreted: Exact or NotOlderThan for lists, NotOlderThan (with sendInitialEvents) for watches.',
  ),
  sendInitialEvents: q(
    'sendInitialEvents',
    'boolean',
    'Start a watch with synthetic ADDED events for the current state, ended by a BOOKMARK annotated k8s.io/initial-events-end (requires resourceVersionMatch=NotOlderThan).',
  ),
  timeoutSeconds: q('timeoutSeconds', 'integer', 'Close a list or watch call after this many seconds.'),
  watch: q('watch', 'boolean', 'Stream changes (ADDED, MODIFIED, DELETED) instead of returning a list.'),
  gracePeriodSeconds: q('gracePeriodSeconds', 'integer', 'Seconds the object is given to terminate; 0 deletes immediately.'),
  orphanDependents: q('orphanDependents', 'boolean', 'Deprecated: use propagationPolicy. Whether dependents are left behind.'),
  propagationPolicy: q('propagationPolicy', 'string', 'What happens to dependents: Orphan, Background or Foreground.'),
};
const listParams = [
  param.allowWatchBookmarks,
  param.continue,
  param.fieldSelector,
  param.labelSelector,
  param.limit,
  param.resourceVersion,
  param.resourceVersionMatch,
  param.sendInitialEvents,
  param.timeoutSeconds,
  param.watch,
];
const writeParams = [param.dryRun, param.fieldManager, param.fieldValidation];
const patchParams = [...writeParams, param.force];
const deleteParams = [param.dryRun, param.gracePeriodSeconds, param.orphanDependents, param.propagationPolicy];
const deleteCollectionParams = [
  param.continue,
  param.dryRun,
  param.fieldSelector,
  param.gracePeriodSeconds,
  param.labelSelector,
  param.limit,
  param.orphanDependents,
  param.propagationPolicy,
  param.resourceVersion,
  param.resourceVersionMatch,
  param.sendInitialEvents,
  param.timeoutSeconds,
];
const pathParam = (name: string, description: string): ApiParameter => ({ name, in: 'path', type: 'string', description, required: true });

/** "v1" → "api/v1"; "apps/v1" → "apis/apps/v1". */
export function groupVersionPath(gv: string): string {
  return gv.includes('/') ? `apis/${gv}` : `api/${gv}`;
}

const capitalize = (s: string) => (s ? s[0].toUpperCase() + s.slice(1) : s);

/** The group as it appears in operation ids: "" → Core, "rbac.authorization.k8s.io" → RbacAuthorization. */
function groupPart(group: string): string {
  if (!group) return 'Core';
  return group
    .replace(/\.k8s\.io$/, '')
    .split('.')
    .map(capitalize)
    .join('');
}

function tagOf(rt: ResourceType): string {
  const group = rt.group ? rt.group.replace(/\.k8s\.io$/, '').replace(/\./g, '_') : 'core';
  return `${group}_${rt.version}`;
}

const known = (name: string | undefined) => (name && isRenderable(name) ? name : undefined);

function listSchemaOf(rt: ResourceType): string | undefined {
  return known(rt.schema.replace(/[^.]+$/, listKindOf(rt)));
}

/** The REST paths and operations of the given resources, in a stable order. */
export function resourcePaths(resources: ResourceType[]): ApiPath[] {
  const paths = new Map<string, ApiPath>();
  const add = (path: string, parameters: ApiParameter[], op: ApiOperation) => {
    let entry = paths.get(path);
    if (!entry) {
      entry = { path, parameters, operations: [] };
      paths.set(path, entry);
    }
    entry.operations.push(op);
  };

  for (const rt of resources) {
    const verbs = new Set(rt.verbs ?? defaultVerbs);
    const prefix = `/${groupVersionPath(rt.group ? `${rt.group}/${rt.version}` : rt.version)}`;
    const gvk = { group: rt.group, version: rt.version, kind: rt.kind };
    const scope = rt.namespaced ? 'Namespaced' : '';
    const id = (verb: string, suffix = '') => `${verb}${groupPart(rt.group)}${capitalize(rt.version)}${scope}${rt.kind}${suffix}`;
    const tag = tagOf(rt);
    const objectSchema = known(rt.schema);
    const listSchema = listSchemaOf(rt);
    const statusSchema = known(STATUS);
    const nsParam = pathParam('namespace', 'Namespace of the objects; namespaces scope names and access.');
    const nameParam = pathParam('name', `Name of the ${rt.kind}.`);
    const collection = rt.namespaced ? `${prefix}/namespaces/{namespace}/${rt.plural}` : `${prefix}/${rt.plural}`;
    const collectionParams = rt.namespaced ? [nsParam, param.pretty] : [param.pretty];
    const itemParams = rt.namespaced ? [nameParam, nsParam, param.pretty] : [nameParam, param.pretty];
    const ok = (schema?: string) => ({ code: '200', description: 'OK', schema });
    const unauthorized = { code: '401', description: 'Unauthorized' };

    if (verbs.has('list')) {
      add(collection, collectionParams, {
        method: 'get',
        operationId: id('list'),
        description: `list or watch objects of kind ${rt.kind}`,
        action: 'list',
        gvk,
        tag,
        parameters: listParams,
        responses: [ok(listSchema), unauthorized],
      });
      if (rt.namespaced) {
        add(`${prefix}/${rt.plural}`, [param.pretty], {
          method: 'get',
          operationId: `list${groupPart(rt.group)}${capitalize(rt.version)}${rt.kind}ForAllNamespaces`,
          description: `list or watch objects of kind ${rt.kind} in all namespaces`,
          action: 'list',
          gvk,
          tag,
          parameters: listParams,
          responses: [ok(listSchema), unauthorized],
        });
      }
    }
    if (verbs.has('create')) {
      add(collection, collectionParams, {
        method: 'post',
        operationId: id('create'),
        description: `create a ${rt.kind}`,
        action: 'post',
        gvk,
        tag,
        parameters: writeParams,
        body: { schema: objectSchema, required: true },
        responses: [
          ok(objectSchema),
          { code: '201', description: 'Created', schema: objectSchema },
          { code: '202', description: 'Accepted', schema: objectSchema },
          unauthorized,
        ],
      });
    }
    if (verbs.has('deletecollection')) {
      add(collection, collectionParams, {
        method: 'delete',
        operationId: `delete${groupPart(rt.group)}${capitalize(rt.version)}Collection${scope}${rt.kind}`,
        description: `delete a collection of ${rt.kind}`,
        action: 'deletecollection',
        gvk,
        tag,
        parameters: deleteCollectionParams,
        body: { schema: known(DELETE_OPTIONS), required: false },
        responses: [ok(statusSchema), unauthorized],
      });
    }
    const item = `${collection}/{name}`;
    if (verbs.has('get')) {
      add(item, itemParams, {
        method: 'get',
        operationId: id('read'),
        description: `read the specified ${rt.kind}`,
        action: 'get',
        gvk,
        tag,
        parameters: [],
        responses: [ok(objectSchema), unauthorized],
      });
    }
    if (verbs.has('update')) {
      add(item, itemParams, replaceOperation(id('replace'), `replace the specified ${rt.kind}`, gvk, tag, objectSchema));
    }
    if (verbs.has('patch')) {
      add(item, itemParams, patchOperation(id('patch'), `partially update the specified ${rt.kind}`, gvk, tag, objectSchema));
    }
    if (verbs.has('delete')) {
      add(item, itemParams, {
        method: 'delete',
        operationId: id('delete'),
        description: `delete a ${rt.kind}`,
        action: 'delete',
        gvk,
        tag,
        parameters: deleteParams,
        body: { schema: known(DELETE_OPTIONS), required: false },
        responses: [ok(statusSchema), { code: '202', description: 'Accepted', schema: statusSchema }, unauthorized],
      });
    }
    const subresources: [string, string, GroupVersionKind, string | undefined][] = [];
    if (rt.subresources?.status) subresources.push(['status', 'Status', gvk, objectSchema]);
    if (rt.subresources?.scale) subresources.push(['scale', 'Scale', { group: 'autoscaling', version: 'v1', kind: 'Scale' }, known(SCALE)]);
    for (const [sub, suffix, subGvk, schema] of subresources) {
      const subPath = `${item}/${sub}`;
      add(subPath, itemParams, {
        method: 'get',
        operationId: id('read', suffix),
        description: `read ${sub} of the specified ${rt.kind}`,
        action: 'get',
        gvk: subGvk,
        tag,
        parameters: [],
        responses: [ok(schema), unauthorized],
      });
      add(subPath, itemParams, replaceOperation(id('replace', suffix), `replace ${sub} of the specified ${rt.kind}`, subGvk, tag, schema));
      add(
        subPath,
        itemParams,
        patchOperation(id('patch', suffix), `partially update ${sub} of the specified ${rt.kind}`, subGvk, tag, schema),
      );
    }
  }
  return [...paths.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

function replaceOperation(operationId: string, description: string, gvk: GroupVersionKind, tag: string, schema?: string): ApiOperation {
  return {
    method: 'put',
    operationId,
    description,
    action: 'put',
    gvk,
    tag,
    parameters: writeParams,
    body: { schema, required: true },
    responses: [
      { code: '200', description: 'OK', schema },
      { code: '201', description: 'Created', schema },
      { code: '401', description: 'Unauthorized' },
    ],
  };
}

function patchOperation(operationId: string, description: string, gvk: GroupVersionKind, tag: string, schema?: string): ApiOperation {
  return {
    method: 'patch',
    operationId,
    description,
    action: 'patch',
    gvk,
    tag,
    parameters: patchParams,
    body: { schema: PATCH, required: true, patch: true },
    responses: [
      { code: '200', description: 'OK', schema },
      { code: '201', description: 'Created', schema },
      { code: '401', description: 'Unauthorized' },
    ],
  };
}

/** Definition names referenced by the operations (the roots of the components section). */
export function operationSchemas(paths: ApiPath[]): string[] {
  const names = new Set<string>();
  for (const p of paths) {
    for (const op of p.operations) {
      if (op.body?.schema) names.add(op.body.schema);
      for (const r of op.responses) if (r.schema) names.add(r.schema);
    }
  }
  return [...names];
}

// ---------------------------------------------------------------------------------------
// The v3 documents.

function renderParameterV3(p: ApiParameter): JsonObject {
  const out: JsonObject = { description: p.description, in: p.in, name: p.name };
  if (p.required) out.required = true;
  out.schema = { type: p.type, uniqueItems: true };
  return out;
}

function renderOperationV3(op: ApiOperation): JsonObject {
  const ref = (name: string) => ({ $ref: V3.refPrefix + name });
  const out: JsonObject = { description: op.description, operationId: op.operationId };
  if (op.parameters.length) out.parameters = op.parameters.map(renderParameterV3);
  if (op.body) {
    const schema = op.body.schema ? ref(op.body.schema) : { type: 'object' };
    const types = op.body.patch ? patchContentTypes : ['*/*'];
    const content: JsonObject = {};
    for (const type of types) content[type] = { schema };
    out.requestBody = op.body.required ? { content, required: true } : { content };
  }
  const responses: JsonObject = {};
  for (const r of op.responses) {
    responses[r.code] = r.schema
      ? {
          content: { 'application/json': { schema: ref(r.schema) }, 'application/yaml': { schema: ref(r.schema) } },
          description: r.description,
        }
      : { description: r.description };
  }
  out.responses = responses;
  out.tags = [op.tag];
  out['x-kubernetes-action'] = op.action;
  out['x-kubernetes-group-version-kind'] = { group: op.gvk.group, kind: op.gvk.kind, version: op.gvk.version };
  return out;
}

/** The `paths` object of a document, with the dialect's operation and parameter renderers. */
export function renderPaths(
  paths: ApiPath[],
  renderOperation: (op: ApiOperation) => JsonObject,
  renderParameter: (param: ApiParameter) => JsonObject,
): JsonObject {
  const rendered: JsonObject = {};
  for (const p of paths) {
    const item: JsonObject = {};
    for (const op of p.operations) item[op.method] = renderOperation(op);
    item.parameters = p.parameters.map(renderParameter);
    rendered[p.path] = sortKeys(item);
  }
  return rendered;
}

/** A full OpenAPI 3.0 document for the resources of one group/version. */
export function openapiV3Document(gv: string, resources: ResourceType[]): JsonObject {
  const key = cacheKey(gv, resources);
  const cached = documentCache.get(key);
  if (cached) return cached.document;
  const paths = resourcePaths(resources);
  const renderedPaths = renderPaths(paths, renderOperationV3, renderParameterV3);
  const schemas: JsonObject = {};
  for (const name of reachableDefinitions(operationSchemas(paths))) schemas[name] = renderDefinition(name, V3);
  const document: JsonObject = {
    components: { schemas },
    info: { title: 'Kubernetes', version: 'unversioned' },
    openapi: '3.0.0',
    paths: renderedPaths,
  };
  documentCache.set(key, { document, hash: contentHash(JSON.stringify(document)) });
  return document;
}

/** The content hash that goes into the document's URL; it changes whenever the document does. */
export function openapiV3DocumentHash(gv: string, resources: ResourceType[]): string {
  openapiV3Document(gv, resources);
  return documentCache.get(cacheKey(gv, resources))!.hash;
}

/**
 * The /openapi/v3 discovery document. With `resourcesOf` the hash is that of the exact
 * document served; without it, it is a hash of the group/version and of every registered
 * definition (stable across restarts, and changing whenever a definition changes).
 */
export function openapiV3Root(groupVersions: string[], resourcesOf?: (gv: string) => ResourceType[]): JsonObject {
  const paths: JsonObject = {};
  for (const gv of [...groupVersions].sort((a, b) => groupVersionPath(a).localeCompare(groupVersionPath(b)))) {
    const hash = resourcesOf ? openapiV3DocumentHash(gv, resourcesOf(gv)) : contentHash(`${gv}\n${registryFingerprint()}`);
    paths[groupVersionPath(gv)] = { serverRelativeURL: `/openapi/v3/${groupVersionPath(gv)}?hash=${hash}` };
  }
  return { paths };
}

// Generated documents are cached per group/version and resource shape; the registry only
// grows at start-up (and in tests), so its size is part of the key.
const documentCache = new Map<string, { document: JsonObject; hash: string }>();

function cacheKey(gv: string, resources: ResourceType[]): string {
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
  return `${gv}\n${Object.keys(allDefinitions()).length}\n${JSON.stringify(shape)}`;
}

let fingerprint = { size: -1, value: '' };
function registryFingerprint(): string {
  const defs = allDefinitions();
  const size = Object.keys(defs).length;
  if (fingerprint.size !== size) fingerprint = { size, value: contentHash(JSON.stringify(defs)) };
  return fingerprint.value;
}

export function contentHash(text: string): string {
  return createHash('sha512').update(text).digest('hex').toUpperCase();
}

/** A copy of a plain object with its keys in sorted order (kube-apiserver sorts them too). */
export function sortKeys(obj: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const key of Object.keys(obj).sort()) out[key] = obj[key];
  return out;
}
