// The files of configMap, secret, downwardAPI and projected volumes (the kubelet's
// MakePayload / CollectData): which keys become which paths with which modes, and the
// kubelet's messages when a referenced object or key is missing.
import type { KubeObject } from '../../api/resource-type.ts';
import { containerResourceValue, metadataFieldValue } from '../env/field-ref.ts';
import type { FileProjection, Payload } from './atomic-writer.ts';
import { type ConfigKind, ConfigObjectNotFound, type ConfigObjects, configMapEntries, secretEntries } from './config-objects.ts';

type Json = Record<string, any>;

/** Kubernetes' default file mode for these volumes (0644); the API server normally fills it in. */
export const DEFAULT_FILE_MODE = 0o644;

export interface PayloadContext {
  pod: KubeObject;
  objects: ConfigObjects;
  /** The node, for resourceFieldRef limits that default to node allocatable. */
  node(): Promise<KubeObject | undefined>;
  /** A token of the pod's service account for a projected serviceAccountToken source. */
  serviceAccountToken(source: { audience?: string; expirationSeconds?: number }): Promise<string>;
  /**
   * The pod's immutable ConfigMaps and Secrets as first read (`configmap/name` → object): they
   * are never read again for this pod, as the kubelet stops watching an object once it is
   * immutable, so one deleted and made again with other data leaves running pods' files alone.
   */
  pinned?: Map<string, KubeObject>;
}

/** Several independent errors reported together, formatted like Go's aggregate errors. */
export function aggregateMessage(messages: string[]): string {
  return messages.length === 1 ? messages[0] : `[${messages.join(', ')}]`;
}

function modeOf(item: Json | undefined, defaultMode: number | undefined): number {
  return item?.mode ?? defaultMode ?? DEFAULT_FILE_MODE;
}

/** Files of one ConfigMap or Secret: every key, or only the listed `items` at their paths. */
export function keyPayload(
  kind: ConfigKind,
  entries: Map<string, Buffer>,
  items: Json[] | undefined,
  defaultMode: number | undefined,
  optional: boolean,
): Payload {
  const payload: Payload = new Map();
  if (!items || items.length === 0) {
    for (const [key, data] of entries) payload.set(key, { data, mode: modeOf(undefined, defaultMode) });
    return payload;
  }
  for (const item of items) {
    const data = entries.get(item.key);
    if (!data) {
      if (optional) continue;
      throw new Error(
        kind === 'configmap'
          ? `configmap references non-existent config key: ${item.key}`
          : `references non-existent secret key: ${item.key}`,
      );
    }
    payload.set(item.path, { data, mode: modeOf(item, defaultMode) });
  }
  return payload;
}

/** A configMap or secret volume source (also the sources of a projected volume). */
export async function objectPayload(
  kind: ConfigKind,
  source: Json,
  defaultMode: number | undefined,
  ctx: PayloadContext,
): Promise<Payload> {
  const name: string = kind === 'configmap' ? source.name : (source.secretName ?? source.name);
  const optional = source.optional === true;
  const pinKey = `${kind}/${name}`;
  let obj = ctx.pinned?.get(pinKey);
  if (!obj) {
    obj = await ctx.objects.find(kind, ctx.pod.metadata?.namespace ?? 'default', name);
    if (obj?.immutable === true) ctx.pinned?.set(pinKey, obj);
  }
  if (!obj && !optional) throw new ConfigObjectNotFound(kind, name);
  const entries = kind === 'configmap' ? configMapEntries(obj) : secretEntries(obj);
  return keyPayload(kind, entries, source.items, defaultMode, optional);
}

/** Files of a downwardAPI volume (or projected source); all item errors are reported together. */
export async function downwardAPIPayload(
  items: Json[] | undefined,
  defaultMode: number | undefined,
  ctx: PayloadContext,
): Promise<Payload> {
  const payload: Payload = new Map();
  const errors: string[] = [];
  for (const item of items ?? []) {
    let text = '';
    try {
      if (item.fieldRef) text = metadataFieldValue(ctx.pod, String(item.fieldRef.fieldPath ?? ''));
      else if (item.resourceFieldRef) text = containerResourceValue(ctx.pod, undefined, item.resourceFieldRef, await ctx.node());
    } catch (err) {
      errors.push(err instanceof Error ? err.message : String(err));
      continue;
    }
    payload.set(item.path, { data: Buffer.from(text, 'utf8'), mode: modeOf(item, defaultMode) });
  }
  if (errors.length > 0) throw new Error(aggregateMessage(errors));
  return payload;
}

/** Files of a projected volume: its sources merged in order (a later path replaces an earlier one). */
export async function projectedPayload(source: Json, ctx: PayloadContext): Promise<Payload> {
  const defaultMode: number | undefined = source.defaultMode;
  const payload: Payload = new Map();
  const errors: string[] = [];
  const merge = (part: Payload) => {
    for (const [p, file] of part) payload.set(p, file);
  };
  for (const s of Array.isArray(source.sources) ? source.sources : []) {
    try {
      if (s.configMap) merge(await objectPayload('configmap', s.configMap, defaultMode, ctx));
      else if (s.secret) merge(await objectPayload('secret', s.secret, defaultMode, ctx));
      else if (s.downwardAPI) merge(await downwardAPIPayload(s.downwardAPI.items, defaultMode, ctx));
      else if (s.serviceAccountToken) {
        const token = await ctx.serviceAccountToken(s.serviceAccountToken);
        const file: FileProjection = { data: Buffer.from(token), mode: defaultMode ?? DEFAULT_FILE_MODE };
        payload.set(s.serviceAccountToken.path, file);
      }
      // clusterTrustBundle and podCertificate sources are not supported: they add no files.
    } catch (err) {
      errors.push(err instanceof Error ? err.message : String(err));
    }
  }
  if (errors.length > 0) throw new Error(aggregateMessage(errors));
  return payload;
}
