// REST verbs on resources: get, list, watch, create, update, patch, delete,
// deletecollection, and the status, scale and ephemeralcontainers subresources. Each verb is a short
// sequence of named steps: decode → admit → store → encode.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { KubeObject } from '../api/resource-type.ts';
import type { ApiRegistry } from './api-registry.ts';
import { type FieldValidation, mediaType, parseBody, parseFieldValidation, validateDecoded } from './decode-body.ts';
import { badRequest, methodNotAllowed, notFound, resourceNotFound, StatusError } from './errors.ts';
import { addWarning, readBody, wantsTable, writeJSON } from './http-io.ts';
import { parseListOptions, parseResourceVersion, parseWatchOptions } from './list-options.ts';
import { NamespaceLifecycle } from './namespace-lifecycle.ts';
import type { Patcher } from './patcher.ts';
import type { ResourceRequest } from './request-info.ts';
import { checkBodyNamespace, checkName, checkPatchedResourceVersion } from './request-object-checks.ts';
import { parentManagedFields, readScale, scaleManagedFields, writeScale } from './scale.ts';
import { objectFilter } from './storage/object-filter.ts';
import type { DeleteOptions, ResourceStore, WriteContext, WriteSubresource } from './storage/resource-store.ts';
import { parseIncludeObject, toTable } from './table.ts';
import { serveWatch } from './watch-stream.ts';
import { validateWriteOptions } from './write-options.ts';

export interface RequestParams {
  req: IncomingMessage;
  res: ServerResponse;
  info: ResourceRequest;
  query: URLSearchParams;
  /** The authenticated user, for field manager defaults and messages. */
  user: string;
}

/** Handlers for subresources served outside the generic store (pods/log, pods/exec, …). */
export type SubresourceHandler = (p: RequestParams, rs: ResourceStore) => Promise<void>;

export class ResourceHandler {
  private readonly subresourceHandlers = new Map<string, SubresourceHandler>();
  /**
   * Mutating admission steps run on every new object (e.g. DefaultTolerationSeconds for pods), in
   * order; `namespace` is the request's (objects may leave theirs out).
   */
  readonly createAdmission: ((rt: ResourceStore['rt'], obj: KubeObject, namespace?: string) => void | Promise<void>)[] = [];
  private readonly namespaceLifecycle: NamespaceLifecycle;

  constructor(
    private readonly registry: ApiRegistry,
    private readonly patcher: Patcher,
  ) {
    this.namespaceLifecycle = new NamespaceLifecycle(registry);
  }

  /** Register e.g. ("", "pods", "log", handler). */
  addSubresource(group: string, resource: string, subresource: string, handler: SubresourceHandler): void {
    this.subresourceHandlers.set(`${group}/${resource}/${subresource}`, handler);
  }

  async handle(p: RequestParams): Promise<void> {
    const { info } = p;
    const rs = this.registry.lookup(info.group, info.version, info.resource);
    if (!rs) throw resourceNotFound();
    if (info.namespace !== undefined && !rs.rt.namespaced) throw resourceNotFound();
    if (rs.rt.deprecationWarning) addWarning(p.res, rs.rt.deprecationWarning);
    const verbs = rs.rt.verbs;
    if (verbs && !info.subresource && !verbs.includes(info.verb)) {
      // Kubernetes installs no route for a verb the resource does not serve.
      throw methodNotAllowed('the server does not allow this method on the requested resource');
    }
    if (info.subresource) return this.handleSubresource(p, rs);
    switch (info.verb) {
      case 'get':
        return this.get(p, rs);
      case 'list':
        return this.list(p, rs);
      case 'watch':
        return this.watch(p, rs);
      case 'create':
        return this.create(p, rs);
      case 'update':
        return this.update(p, rs);
      case 'patch':
        return this.patch(p, rs);
      case 'delete':
        return this.delete(p, rs);
      case 'deletecollection':
        return this.deleteCollection(p, rs);
      default:
        throw methodNotAllowed(`${info.verb} is not supported`);
    }
  }

  private async handleSubresource(p: RequestParams, rs: ResourceStore): Promise<void> {
    const { info } = p;
    const custom = this.subresourceHandlers.get(`${info.group}/${info.resource}/${info.subresource}`);
    if (custom) return custom(p, rs);
    if (!info.name) throw resourceNotFound();
    if (info.subresource === 'status' && rs.rt.subresources?.status) {
      if (info.verb === 'get') return this.get(p, rs);
      if (info.verb === 'update') return this.update(p, rs, 'status');
      if (info.verb === 'patch') return this.patch(p, rs, 'status');
    }
    if (info.subresource === 'ephemeralcontainers' && rs.rt.subresources?.ephemeralContainers) {
      // The whole pod goes in and out; only spec.ephemeralContainers may change (kubectl debug).
      if (info.verb === 'get') return this.get(p, rs);
      if (info.verb === 'update') return this.update(p, rs, 'ephemeralcontainers');
      if (info.verb === 'patch') return this.patch(p, rs, 'ephemeralcontainers');
    }
    if (info.subresource === 'finalize' && rs.rt.kind === 'Namespace' && info.verb === 'update') return this.update(p, rs, 'finalize');
    if (info.subresource === 'scale' && rs.rt.subresources?.scale) {
      if (info.verb === 'get') {
        writeJSON(p.res, 200, readScale(rs.rt, await rs.get(info.namespace, info.name)));
        return;
      }
      if (info.verb === 'update' || info.verb === 'patch') return this.scale(p, rs);
    }
    throw resourceNotFound();
  }

  // ---- reads -----------------------------------------------------------------------

  private async get(p: RequestParams, rs: ResourceStore): Promise<void> {
    // A resourceVersion other than ""/"0" asks for data not older than it, as for a list.
    const revision = parseResourceVersion(p.query.get('resourceVersion') ?? '');
    if (revision > 0) await rs.waitForRevision(revision);
    const obj = await rs.get(p.info.namespace, p.info.name!);
    this.respondObjects(p, rs, [obj], { single: true, resourceVersion: obj.metadata?.resourceVersion });
  }

  private async list(p: RequestParams, rs: ResourceStore): Promise<void> {
    const { query } = p;
    const options = parseListOptions(query);
    const out = await rs.list({
      namespace: p.info.namespace,
      filter: objectFilter(rs.rt, query.get('labelSelector') ?? undefined, query.get('fieldSelector') ?? undefined),
      ...options,
    });
    this.respondObjects(p, rs, out.items, {
      single: false,
      resourceVersion: out.resourceVersion,
      continueToken: out.continueToken,
      remainingItemCount: out.remainingItemCount,
    });
  }

  private respondObjects(
    p: RequestParams,
    rs: ResourceStore,
    items: KubeObject[],
    meta: { single: boolean; resourceVersion?: string; continueToken?: string; remainingItemCount?: number },
  ): void {
    const table = wantsTable(p.req.headers.accept);
    if (table) {
      writeJSON(
        p.res,
        200,
        toTable(rs.rt, items, {
          include: parseIncludeObject(p.query.get('includeObject')),
          tableVersion: table.version,
          resourceVersion: meta.resourceVersion,
          continueToken: meta.continueToken,
          remainingItemCount: meta.remainingItemCount,
        }),
      );
      return;
    }
    if (meta.single) {
      writeJSON(p.res, 200, items[0]);
      return;
    }
    const listMeta: Record<string, string | number> = { resourceVersion: meta.resourceVersion ?? '' };
    if (meta.continueToken) listMeta.continue = meta.continueToken;
    if (meta.remainingItemCount !== undefined) listMeta.remainingItemCount = meta.remainingItemCount;
    writeJSON(p.res, 200, { kind: rs.rt.listKind ?? `${rs.rt.kind}List`, apiVersion: rs.apiVersion, metadata: listMeta, items });
  }

  private async watch(p: RequestParams, rs: ResourceStore): Promise<void> {
    const { query, info } = p;
    let fieldSelector = query.get('fieldSelector') ?? '';
    // GET .../pods/NAME?watch=true is a watch on that one object.
    if (info.name) fieldSelector = [fieldSelector, `metadata.name=${info.name}`].filter(Boolean).join(',');
    const table = wantsTable(p.req.headers.accept);
    const options = parseWatchOptions(query);
    await serveWatch(p.req, p.res, rs, {
      namespace: info.namespace,
      filter: objectFilter(rs.rt, query.get('labelSelector') ?? undefined, fieldSelector || undefined),
      resourceVersion: options.resourceVersion,
      sendInitialEvents: options.sendInitialEvents,
      timeoutSeconds: query.get('timeoutSeconds') ? Number(query.get('timeoutSeconds')) : undefined,
      allowBookmarks: options.allowBookmarks,
      table: table ? { include: parseIncludeObject(query.get('includeObject')), version: table.version } : undefined,
    });
  }

  // ---- writes ----------------------------------------------------------------------

  /**
   * For a write whose options validateWriteOptions has checked. A write through a subresource
   * records its managedFields entry with it, as Kubernetes (1.22+) does.
   */
  private writeContext(p: RequestParams, rs: ResourceStore, subresource?: string): WriteContext {
    const manager = p.query.get('fieldManager') || defaultFieldManager(p.req.headers['user-agent']);
    return {
      dryRun: p.query.getAll('dryRun').length > 0,
      recordManagedFields: (old, obj) => this.patcher.recordUpdate(old, obj, manager, rs.apiVersion, { schema: rs.rt.schema, subresource }),
    };
  }

  private async decodeObject(p: RequestParams, rs: ResourceStore, validation: FieldValidation): Promise<KubeObject> {
    const body = await readBody(p.req);
    const decoded = parseBody(body, p.req.headers['content-type'], `${rs.rt.kind} in version "${rs.rt.version}"`);
    for (const w of validateDecoded(rs.rt, decoded, validation, rs.apiVersion)) addWarning(p.res, w);
    for (const w of rs.rt.warnings?.(decoded.object) ?? []) addWarning(p.res, w);
    rs.rt.normalize?.(decoded.object);
    return decoded.object;
  }

  private async create(p: RequestParams, rs: ResourceStore): Promise<void> {
    const { info } = p;
    if (info.name) throw methodNotAllowed('the server does not allow this method on the requested resource');
    validateWriteOptions('CreateOptions', p.query);
    const validation = parseFieldValidation(p.query.get('fieldValidation'));
    const obj = await this.decodeObject(p, rs, validation);
    if (rs.rt.namespaced) {
      if (!info.namespace) throw resourceNotFound();
      const bodyNs = obj.metadata?.namespace;
      if (bodyNs && bodyNs !== info.namespace) {
        throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      await this.namespaceLifecycle.admitCreate(rs.rt, info.namespace, obj);
    }
    for (const admit of this.createAdmission) await admit(rs.rt, obj, info.namespace);
    const created = await rs.create(info.namespace, obj, { ...this.writeContext(p, rs), inputOwned: true });
    writeJSON(p.res, 201, created);
  }

  private async update(p: RequestParams, rs: ResourceStore, subresource?: WriteSubresource): Promise<void> {
    const { info } = p;
    if (!info.name) throw methodNotAllowed('the server does not allow this method on the requested resource');
    validateWriteOptions('UpdateOptions', p.query);
    const validation = parseFieldValidation(p.query.get('fieldValidation'));
    const obj = await this.decodeObject(p, rs, validation);
    checkBodyNamespace(obj, rs.rt, info.namespace);
    checkName(obj, info.name, info.namespace);
    const updated = await rs.update(info.namespace, info.name, obj, this.writeContext(p, rs, subresource), subresource);
    writeJSON(p.res, 200, updated);
  }

  private async patch(p: RequestParams, rs: ResourceStore, subresource?: 'status' | 'ephemeralcontainers'): Promise<void> {
    const { info, query } = p;
    if (!info.name) throw methodNotAllowed('the server does not allow this method on the requested resource');
    const contentType = mediaType(p.req.headers['content-type']);
    validateWriteOptions('PatchOptions', query, contentType);
    const validation = parseFieldValidation(query.get('fieldValidation'));
    const body = await readBody(p.req);
    const ctx = this.writeContext(p, rs, subresource);
    const manager = query.get('fieldManager') || defaultFieldManager(p.req.headers['user-agent']);
    const force = query.get('force') === 'true';
    const patchOnce = (current: KubeObject | undefined): KubeObject => {
      const patched = this.patcher.apply({ contentType, current, body, rt: rs.rt, manager, force, apiVersion: rs.apiVersion, subresource });
      if (current) {
        checkName(patched, info.name!, info.namespace);
        checkPatchedResourceVersion(rs.rt, patched, current, info.name!);
      }
      for (const w of validateDecoded(rs.rt, { object: patched }, validation, rs.apiVersion)) addWarning(p.res, w);
      for (const w of rs.rt.warnings?.(patched) ?? []) addWarning(p.res, w);
      rs.rt.normalize?.(patched);
      return patched;
    };
    if (contentType === 'application/apply-patch+yaml') {
      // Server-side apply creates the object when it does not exist yet.
      const existing = await rs.tryGet(info.namespace, info.name);
      if (!existing) {
        if (subresource) throw notFound(rs.rt.group, rs.rt.plural, info.name);
        const obj = patchOnce(undefined);
        obj.metadata = { ...(obj.metadata ?? {}), name: info.name };
        if (rs.rt.namespaced) await this.namespaceLifecycle.admitCreate(rs.rt, info.namespace!, obj);
        for (const admit of this.createAdmission) await admit(rs.rt, obj, info.namespace);
        const created = await rs.create(info.namespace, obj, { ...ctx, recordManagedFields: undefined });
        writeJSON(p.res, 201, created);
        return;
      }
      // SSA records managed fields itself.
      ctx.recordManagedFields = undefined;
    }
    const updated = await rs.guaranteedUpdate(info.namespace, info.name, ctx, subresource, (current) => patchOnce(current));
    writeJSON(p.res, 200, updated);
  }

  private async scale(p: RequestParams, rs: ResourceStore): Promise<void> {
    const { info } = p;
    const contentType = mediaType(p.req.headers['content-type']);
    validateWriteOptions(p.info.verb === 'update' ? 'UpdateOptions' : 'PatchOptions', p.query, contentType);
    const body = await readBody(p.req);
    const ctx = this.writeContext(p, rs, 'scale');
    const replacement =
      p.info.verb === 'update' ? parseBody(body, p.req.headers['content-type'], 'Scale in version "v1"').object : undefined;
    // A server-side apply records its own entry, through the Scale's view of the parent's owners.
    const apply =
      p.info.verb === 'patch' && contentType === 'application/apply-patch+yaml'
        ? { manager: p.query.get('fieldManager') ?? '', force: p.query.get('force') === 'true' }
        : undefined;
    if (apply) ctx.recordManagedFields = undefined;
    let scaled: KubeObject | undefined;
    const updated = await rs.guaranteedUpdate(
      info.namespace,
      info.name!,
      ctx,
      undefined,
      (current) => {
        const currentScale = readScale(rs.rt, current);
        if (apply) currentScale.metadata!.managedFields = scaleManagedFields(rs.rt, current);
        const desired = replacement ?? this.patcher.applyToScale(contentType, currentScale, body, apply);
        const next = writeScale(rs.rt, current, currentScale, desired);
        if (apply) {
          const managedFields = parentManagedFields(rs.rt, current, desired.metadata?.managedFields ?? [], rs.apiVersion);
          next.metadata = { ...next.metadata, managedFields };
          if (!managedFields.length) delete next.metadata.managedFields;
        }
        scaled = desired;
        return next;
      },
      // A PUT's uid is a storage precondition on the parent, as for the parent's own PUT.
      { preconditions: replacement?.metadata?.uid ? { uid: replacement.metadata.uid } : undefined },
    );
    if (!scaled) throw new StatusError(500, 'InternalError', 'scale was not applied');
    writeJSON(p.res, 200, readScale(rs.rt, updated));
  }

  private async deleteOptions(p: RequestParams): Promise<{ options: DeleteOptions; dryRun: boolean; cascadeAsked: boolean }> {
    const body = await readBody(p.req);
    let opts: Record<string, any> = {};
    if (body.length) opts = parseBody(body, p.req.headers['content-type'], 'DeleteOptions').object;
    const q = p.query;
    const grace = q.get('gracePeriodSeconds') ?? opts.gracePeriodSeconds;
    const propagation = q.get('propagationPolicy') ?? opts.propagationPolicy ?? (opts.orphanDependents === true ? 'Orphan' : undefined);
    if (propagation !== undefined && !['Orphan', 'Background', 'Foreground'].includes(propagation)) {
      throw new StatusError(
        422,
        'Invalid',
        `propagationPolicy: Unsupported value: "${propagation}": supported values: "Foreground", "Background", "Orphan"`,
      );
    }
    const options: DeleteOptions = { propagationPolicy: propagation, preconditions: opts.preconditions };
    if (grace !== undefined && grace !== null) {
      const n = Number(grace);
      if (!Number.isInteger(n)) throw badRequest(`invalid gracePeriodSeconds: ${grace}`);
      options.gracePeriodSeconds = n;
    }
    const dryRun = q.getAll('dryRun').length > 0 || (Array.isArray(opts.dryRun) && opts.dryRun.length > 0);
    // The deprecated orphanDependents: false, the one case kube-apiserver answers a pending deletion with 202.
    const orphan = q.get('orphanDependents') ?? opts.orphanDependents;
    return { options, dryRun, cascadeAsked: orphan === false || orphan === 'false' };
  }

  private async delete(p: RequestParams, rs: ResourceStore): Promise<void> {
    const { options, dryRun, cascadeAsked } = await this.deleteOptions(p);
    this.namespaceLifecycle.admitDelete(rs.rt, p.info.name!);
    const out = await rs.delete(p.info.namespace, p.info.name!, options, { dryRun });
    // 200 whether gone or pending (grace period, finalizers), as kube-apiserver answers: its 202 is
    // kept for a pending deletion asked with orphanDependents: false, lest older clients break.
    writeJSON(p.res, !out.deleted && cascadeAsked ? 202 : 200, out.deleted ? deletedResponse(rs.rt, out.object) : out.object);
  }

  private async deleteCollection(p: RequestParams, rs: ResourceStore): Promise<void> {
    const { options, dryRun } = await this.deleteOptions(p);
    const { query } = p;
    const listed = await rs.list({
      namespace: p.info.namespace,
      filter: objectFilter(rs.rt, query.get('labelSelector') ?? undefined, query.get('fieldSelector') ?? undefined),
    });
    const items: KubeObject[] = [];
    for (const obj of listed.items) {
      try {
        items.push((await rs.delete(p.info.namespace ?? obj.metadata?.namespace, obj.metadata!.name, options, { dryRun })).object);
      } catch (err) {
        if (!(err instanceof StatusError && err.code === 404)) throw err;
      }
    }
    writeJSON(p.res, 200, { kind: rs.rt.listKind ?? `${rs.rt.kind}List`, apiVersion: rs.apiVersion, metadata: {}, items });
  }
}

/**
 * Resources whose kube-apiserver storage sets ReturnDeletedObject: their DELETE answers with the
 * deleted object. Every other resource answers a completed deletion with a Status naming it
 * (details.kind is the resource, as kube-apiserver's finalizeDelete writes it); a pending
 * deletion (grace period, finalizers) answers with the object either way.
 */
const returnsDeletedObject = new Set([
  '/pods',
  '/services',
  '/serviceaccounts',
  '/namespaces',
  '/persistentvolumes',
  '/persistentvolumeclaims',
  'storage.k8s.io/storageclasses',
]);

export function deletedResponse(rt: { group: string; plural: string }, obj: KubeObject): KubeObject {
  if (returnsDeletedObject.has(`${rt.group}/${rt.plural}`)) return obj;
  const details: Record<string, string> = { name: obj.metadata?.name };
  if (rt.group) details.group = rt.group;
  details.kind = rt.plural;
  if (obj.metadata?.uid) details.uid = obj.metadata.uid;
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details } as KubeObject;
}

/** Like Kubernetes: the user agent's program name ("kubectl" from "kubectl/v1.33.1 (...)"). */
export function defaultFieldManager(userAgent: string | undefined): string {
  const name = (userAgent ?? 'unknown').split('/')[0].trim();
  return name.slice(0, 128) || 'unknown';
}
