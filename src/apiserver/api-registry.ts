// The set of resources this API server serves, indexed for routing and discovery, with
// one ResourceStore each over the shared Store.
import { apiVersionOf, type ResourceType } from '../api/resource-type.ts';
import type { Store } from '../storage/store.ts';
import { ResourceStore } from './storage/resource-store.ts';

export interface GroupVersions {
  group: string;
  /** In preference order: the first is the preferred version. */
  versions: string[];
}

export class ApiRegistry {
  private readonly byPath = new Map<string, ResourceStore>();
  private readonly byKind = new Map<string, ResourceStore>();
  readonly groups: GroupVersions[] = [];

  /** `resources` in discovery order; a group's versions are preferred in the order first seen. */
  constructor(
    readonly resources: ResourceType[],
    store: Store,
  ) {
    for (const rt of resources) {
      const rs = new ResourceStore(rt, store);
      this.byPath.set(pathKey(rt.group, rt.version, rt.plural), rs);
      const kindKey = `${apiVersionOf(rt)}/${rt.kind}`;
      if (!this.byKind.has(kindKey)) this.byKind.set(kindKey, rs);
      let gv = this.groups.find((g) => g.group === rt.group);
      if (!gv) {
        gv = { group: rt.group, versions: [] };
        this.groups.push(gv);
      }
      if (!gv.versions.includes(rt.version)) gv.versions.push(rt.version);
    }
  }

  lookup(group: string, version: string, plural: string): ResourceStore | undefined {
    return this.byPath.get(pathKey(group, version, plural));
  }

  /** The store for a kind, e.g. ("apps/v1", "Deployment"). */
  forKind(apiVersion: string, kind: string): ResourceStore | undefined {
    return this.byKind.get(`${apiVersion}/${kind}`);
  }

  resourcesOf(group: string, version: string): ResourceType[] {
    return this.resources.filter((rt) => rt.group === group && rt.version === version);
  }

  hasGroupVersion(group: string, version: string): boolean {
    return this.groups.some((g) => g.group === group && g.versions.includes(version));
  }

  /** Every stored resource once (multi-version resources by their first-listed version). */
  storedResources(): ResourceStore[] {
    const seen = new Set<string>();
    const out: ResourceStore[] = [];
    for (const rs of this.byPath.values()) {
      const { group, resource } = rs.rt.storage ?? { group: rs.rt.group, resource: rs.rt.plural };
      const key = `${group}/${resource}`;
      if (seen.has(key) || rs.rt.virtual || (rs.rt.verbs && !rs.rt.verbs.includes('list'))) continue;
      seen.add(key);
      out.push(rs);
    }
    return out;
  }
}

function pathKey(group: string, version: string, plural: string): string {
  return `${group}/${version}/${plural}`;
}
