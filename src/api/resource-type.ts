// One record per served resource drives the generic REST handlers, discovery, OpenAPI,
// table printing and validation (the kube-apiserver "strategy" pattern). Adding a kind
// is one file in src/api/kinds/<group>/ exporting a ResourceType.
import type { FieldError } from './field-errors.ts';

/** A Kubernetes object as plain JSON. */
export type KubeObject = Record<string, any> & {
  apiVersion?: string;
  kind?: string;
  metadata?: Record<string, any>;
};

export interface TableColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  format?: string;
  description?: string;
  /** 0 = shown by default; 1 = only with -o wide. */
  priority: 0 | 1;
}

export type TableCell = string | number | boolean | null;

export interface ScaleSubresource {
  /** JSON path (dotted) of the desired replicas in the object, e.g. "spec.replicas". */
  specReplicasPath: string;
  /** Dotted path of observed replicas, e.g. "status.replicas". */
  statusReplicasPath: string;
  /** Dotted path of the label selector: either a LabelSelector object or a selector string. */
  labelSelectorPath?: string;
}

export interface ResourceType {
  group: string; // "" for core
  version: string;
  kind: string;
  listKind?: string; // default `${kind}List`
  plural: string;
  singular: string;
  namespaced: boolean;
  shortNames?: string[];
  categories?: string[];
  /** Verbs served; default: create delete deletecollection get list patch update watch. */
  verbs?: string[];
  /** Sent as a Warning header with every request on the resource (kubectl prints it), e.g. v1 Endpoints in 1.33. */
  deprecationWarning?: string;
  /** Warnings about an object being written (Kubernetes' WarningsOnCreate/Update), sent as Warning headers. */
  warnings?: (obj: KubeObject) => string[];
  /** Answered by the API server itself and never stored (metrics.k8s.io): no store, no backup. */
  virtual?: boolean;
  /** Schema definition name of the top-level object, e.g. "io.k8s.api.apps.v1.Deployment". */
  schema: string;
  /**
   * Served subresources. `status` makes status writes separate from spec writes;
   * `ephemeralContainers` (pods only) is the one way to add to spec.ephemeralContainers.
   */
  subresources?: { status?: boolean; scale?: ScaleSubresource; ephemeralContainers?: boolean };
  /**
   * `false` for kinds whose Kubernetes strategy never sets metadata.generation (ConfigMap,
   * Secret, Service, Namespace, RBAC, …): the server neither sets nor bumps it, so
   * `kubectl get -o yaml` shows none. Default: 1 on create, +1 on every spec change.
   */
  generation?: false;

  /**
   * Several versions can share one stored form (HPA autoscaling/v1 and v2; core and
   * events.k8s.io Events). `storage` names the group/resource holding the data, and the
   * converters translate between this version and the stored one.
   */
  storage?: { group: string; resource: string };
  toStorage?: (obj: KubeObject) => KubeObject;
  fromStorage?: (obj: KubeObject) => KubeObject;

  /** Fill defaulted fields in place (called on create and update, after decoding). */
  defaults?: (obj: KubeObject) => void;
  /**
   * Fill in place the fields Kubernetes' typed encoding always writes (a metav1.Time is never
   * omitted, so an unset one reads back as null). Called on every write through the API,
   * subresources included, after decoding or patching.
   */
  normalize?: (obj: KubeObject) => void;
  /** The rule for metadata.name and generateName (default: DNS-1123 subdomain), e.g. DNS labels for namespaces. */
  nameValidator?: (name: string, prefix: boolean) => string[];
  /** Semantic validation of a new object. Meta (name, labels, …) is validated generically. */
  validate?: (obj: KubeObject) => FieldError[];
  /** Validation of an update (immutable fields etc.); called in addition to validate(). */
  validateUpdate?: (obj: KubeObject, old: KubeObject) => FieldError[];
  /** Validation of a write through the ephemeralcontainers subresource; called in addition to validate(). */
  validateEphemeralContainersUpdate?: (obj: KubeObject, old: KubeObject) => FieldError[];
  /** Mutate a new object before storing (e.g. clear status, set initial phase). */
  prepareForCreate?: (obj: KubeObject) => void;
  /** Mutate an updated object before storing (e.g. keep old status on a main-resource update). */
  prepareForUpdate?: (obj: KubeObject, old: KubeObject) => void;

  /** Extra field-selector fields beyond metadata.name/metadata.namespace (e.g. spec.nodeName). */
  selectableFields?: (obj: KubeObject) => Record<string, string>;

  /** Server-side printing for `kubectl get`. Without it the generic Name/Created At columns are used. */
  table?: {
    columns: TableColumn[];
    /** Cells for one object, in column order (Name first). `now` is for ages. */
    row: (obj: KubeObject, now: Date) => TableCell[];
  };
}

export function listKindOf(rt: ResourceType): string {
  return rt.listKind ?? `${rt.kind}List`;
}

export function apiVersionOf(rt: ResourceType): string {
  return rt.group ? `${rt.group}/${rt.version}` : rt.version;
}

export const defaultVerbs = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
