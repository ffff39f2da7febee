// Reads the ConfigMaps and Secrets that pods consume (volumes and environment), with a short
// cache so that a burst of pods referencing one ConfigMap costs one GET, and with the
// kubelet's wording for a missing object (`configmap "x" not found`), which users see in
// FailedMount events and CreateContainerConfigError messages.
import type { KubeObject } from '../../api/resource-type.ts';
import { isNotFound } from '../../client/api-error.ts';
import type { ResourceDescriptor } from '../../client/resource-path.ts';
import { resources } from '../../client/resources.ts';
import type { RestClient } from '../../client/rest-client.ts';

export type ConfigKind = 'configmap' | 'secret';

/** A referenced ConfigMap or Secret that does not exist. */
export class ConfigObjectNotFound extends Error {
  constructor(
    readonly kind: ConfigKind,
    readonly objectName: string,
  ) {
    super(`${kind} "${objectName}" not found`);
  }
}

export interface ConfigObjectsOptions {
  /** How long a read answer is reused (default 500 ms; 0 reads every time). */
  ttlMs?: number;
}

interface CacheEntry {
  at: number;
  value: Promise<KubeObject | undefined>;
}

export class ConfigObjects {
  private readonly cache = new Map<string, CacheEntry>();
  private readonly ttlMs: number;

  constructor(
    private readonly client: RestClient,
    opts: ConfigObjectsOptions = {},
  ) {
    this.ttlMs = opts.ttlMs ?? 500;
  }

  /** The object, or undefined when it does not exist. Other API errors are thrown. */
  find(kind: ConfigKind, namespace: string, name: string): Promise<KubeObject | undefined> {
    const key = `${kind}/${namespace}/${name}`;
    const now = Date.now();
    const cached = this.cache.get(key);
    if (cached && now - cached.at <= this.ttlMs) return cached.value;
    const res: ResourceDescriptor = kind === 'configmap' ? resources.configMaps : resources.secrets;
    const value = this.client.get(res, namespace, name).then(
      (obj) => obj,
      (err) => {
        if (isNotFound(err)) return undefined;
        this.cache.delete(key);
        throw err;
      },
    );
    this.cache.set(key, { at: now, value });
    if (this.cache.size > 4096) this.prune(now);
    return value;
  }

  /** The object; throws ConfigObjectNotFound when it does not exist. */
  async get(kind: ConfigKind, namespace: string, name: string): Promise<KubeObject> {
    const obj = await this.find(kind, namespace, name);
    if (!obj) throw new ConfigObjectNotFound(kind, name);
    return obj;
  }

  private prune(now: number): void {
    for (const [key, entry] of this.cache) if (now - entry.at > this.ttlMs) this.cache.delete(key);
  }
}

/** A ConfigMap's keys with their bytes: `data` as UTF-8 and `binaryData` decoded from base64. */
export function configMapEntries(cm: KubeObject | undefined): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const [k, v] of Object.entries<string>(cm?.data ?? {})) out.set(k, Buffer.from(String(v ?? ''), 'utf8'));
  for (const [k, v] of Object.entries<string>(cm?.binaryData ?? {})) out.set(k, Buffer.from(String(v ?? ''), 'base64'));
  return out;
}

/** A Secret's keys with their decoded bytes. */
export function secretEntries(secret: KubeObject | undefined): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const [k, v] of Object.entries<string>(secret?.data ?? {})) out.set(k, Buffer.from(String(v ?? ''), 'base64'));
  return out;
}
