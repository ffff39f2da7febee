// Connects the PATCH handler to the patch mechanisms (src/apiserver/patch/): applies a
// body to an object by content type and records field managers, turning patch failures
// into Status errors.
import type { KubeObject, ResourceType } from '../api/resource-type.ts';
import { StatusError } from './errors.ts';
import { applyPatchByContentType, managedFieldsAfterUpdate, PatchError } from './patch/index.ts';

export interface PatchRequest {
  contentType: string;
  /** The stored object; undefined only for a server-side apply that creates. */
  current: KubeObject | undefined;
  body: Buffer;
  rt: ResourceType;
  manager: string;
  force: boolean;
  apiVersion: string;
  subresource?: string;
}

export interface Patcher {
  apply(req: PatchRequest): KubeObject;
  /** A server-side apply needs `apply` (its manager and ?force); currentScale then carries the Scale's managedFields. */
  applyToScale(contentType: string, currentScale: KubeObject, body: Buffer, apply?: { manager: string; force: boolean }): KubeObject;
  /** Update obj.metadata.managedFields in place for an ordinary write by `manager` (through `subresource`, if any). */
  recordUpdate(old: KubeObject | undefined, obj: KubeObject, manager: string, apiVersion: string, target: WriteTarget): void;
}

/** What a write changes: an object of this schema, directly or through a subresource. */
export interface WriteTarget {
  schema: string;
  subresource?: string;
}

const scaleSchema = 'io.k8s.api.autoscaling.v1.Scale';

function asStatusError(err: unknown): unknown {
  if (!(err instanceof PatchError)) return err;
  return new StatusError(err.code, err.reason, err.message, err.causes.length ? { causes: err.causes } : undefined);
}

export class SchemaPatcher implements Patcher {
  apply(req: PatchRequest): KubeObject {
    try {
      const { object } = applyPatchByContentType(req.contentType, req.current, req.body, req.rt.schema, {
        fieldManager: req.manager,
        force: req.force,
        apiVersion: req.apiVersion,
        kind: req.rt.kind,
        subresource: req.subresource,
        ignoreFields: req.rt.subresources?.status && req.subresource !== 'status' ? ['status'] : undefined,
      });
      return object;
    } catch (err) {
      throw asStatusError(err);
    }
  }

  applyToScale(contentType: string, currentScale: KubeObject, body: Buffer, apply?: { manager: string; force: boolean }): KubeObject {
    try {
      const opts = apply && {
        fieldManager: apply.manager,
        force: apply.force,
        apiVersion: 'autoscaling/v1',
        kind: 'Scale',
        subresource: 'scale',
      };
      return applyPatchByContentType(contentType, currentScale, body, scaleSchema, opts).object;
    } catch (err) {
      throw asStatusError(err);
    }
  }

  recordUpdate(old: KubeObject | undefined, obj: KubeObject, manager: string, apiVersion: string, target: WriteTarget): void {
    // Only the metadata changes, so the object is not copied (recordUpdate would).
    const managedFields = managedFieldsAfterUpdate(old, obj, manager, apiVersion, {
      defName: target.schema,
      subresource: target.subresource,
    });
    const metadata = { ...(obj.metadata ?? {}), managedFields };
    if (!managedFields.length) delete (metadata as { managedFields?: unknown }).managedFields;
    obj.metadata = metadata;
  }
}
