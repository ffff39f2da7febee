// The informer's local cache: objects by key ("namespace/name", or "name" when cluster
// scoped) plus secondary indexes, e.g. pods by spec.nodeName or by owner UID.
import type { KubeObject } from '../api/resource-type.ts';

/** Returns the index values an object files under (none, one or several). */
export type IndexFunc<T extends KubeObject = KubeObject> = (obj: T) => string[];

export const NAMESPACE_INDEX = 'namespace';

/** client-go's MetaNamespaceKeyFunc: "ns/name" for namespaced objects, "name" otherwise. */
export function objectKey(obj: KubeObject): string {
  const { namespace, name } = obj.metadata ?? {};
  return namespace ? `${namespace}/${name}` : String(name);
}

export function keyOf(namespace: string | undefined, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

/** Indexes by the value at a dotted path, e.g. indexByField('spec.nodeName'); empty values are not indexed. */
export function indexByField<T extends KubeObject = KubeObject>(path: string): IndexFunc<T> {
  const parts = path.split('.');
  return (obj) => {
    const value = parts.reduce<any>((o, key) => o?.[key], obj);
    return value === undefined || value === null || value === '' ? [] : [String(value)];
  };
}

/** Indexes by the UIDs in metadata.ownerReferences. */
export const indexByOwnerUid: IndexFunc = (obj) => (obj.metadata?.ownerReferences ?? []).map((ref: { uid: string }) => ref.uid);

const indexByNamespace: IndexFunc = (obj) => [obj.metadata?.namespace ?? ''];

export class Indexer<T extends KubeObject = KubeObject> {
  private readonly items = new Map<string, T>();
  private readonly indexFuncs = new Map<string, IndexFunc<T>>();
  // index name → index value → keys
  private readonly indices = new Map<string, Map<string, Set<string>>>();

  constructor(indexers: Record<string, IndexFunc<T>> = {}) {
    this.addIndexers({ [NAMESPACE_INDEX]: indexByNamespace as IndexFunc<T>, ...indexers });
  }

  /** Adds indexes (existing names are kept as they are) and files the cached objects under them. */
  addIndexers(indexers: Record<string, IndexFunc<T>>): void {
    for (const [name, fn] of Object.entries(indexers)) {
      if (this.indexFuncs.has(name)) continue;
      this.indexFuncs.set(name, fn);
      const index = new Map<string, Set<string>>();
      this.indices.set(name, index);
      for (const [key, obj] of this.items) addToIndex(index, fn(obj), key);
    }
  }

  get size(): number {
    return this.items.size;
  }

  get(key: string): T | undefined {
    return this.items.get(key);
  }

  has(key: string): boolean {
    return this.items.has(key);
  }

  keys(): string[] {
    return [...this.items.keys()];
  }

  list(): T[] {
    return [...this.items.values()];
  }

  byIndex(indexName: string, value: string): T[] {
    return this.indexKeys(indexName, value).map((key) => this.items.get(key)!);
  }

  indexKeys(indexName: string, value: string): string[] {
    const index = this.indices.get(indexName);
    if (!index) throw new Error(`index "${indexName}" does not exist`);
    return [...(index.get(value) ?? [])];
  }

  /** Stores obj under key; returns the object it replaced. */
  set(key: string, obj: T): T | undefined {
    const old = this.items.get(key);
    if (old) this.unindex(key, old);
    this.items.set(key, obj);
    for (const [name, fn] of this.indexFuncs) addToIndex(this.indices.get(name)!, fn(obj), key);
    return old;
  }

  /** Removes key; returns the object it held. */
  delete(key: string): T | undefined {
    const old = this.items.get(key);
    if (!old) return undefined;
    this.unindex(key, old);
    this.items.delete(key);
    return old;
  }

  private unindex(key: string, obj: T): void {
    for (const [name, fn] of this.indexFuncs) {
      const index = this.indices.get(name)!;
      for (const value of fn(obj)) {
        const keys = index.get(value);
        keys?.delete(key);
        if (keys?.size === 0) index.delete(value);
      }
    }
  }
}

function addToIndex(index: Map<string, Set<string>>, values: string[], key: string): void {
  for (const value of values) {
    const keys = index.get(value) ?? new Set<string>();
    keys.add(key);
    index.set(value, keys);
  }
}
