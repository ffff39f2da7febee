// The schema language for Hale's API types. One set of definitions drives:
//   - OpenAPI v3 (JSON) and v2 (protobuf) documents, so kubectl validation and `explain` work;
//   - strict decoding (unknown/duplicate fields, wrong types) for fieldValidation;
//   - Kubernetes protobuf request decoding (field numbers from k8s generated.proto);
//   - strategic merge patch (merge keys and patch strategies).
// Definitions are named like OpenAPI v2 definitions: "io.k8s.api.core.v1.PodSpec".

/** A reference to another definition by its full name. */
export interface RefSchema {
  ref: string;
}

export interface StringSchema {
  type: 'string';
  /**
   * byte: base64 in JSON, `bytes` in protobuf.
   * date-time: metav1.Time (RFC3339 in JSON; {seconds=1,nanos=2} in protobuf).
   * date-time-micro: metav1.MicroTime (same protobuf shape, microsecond JSON).
   * int-or-string: intstr.IntOrString (JSON number or string; protobuf {type=1,intVal=2,strVal=3}).
   * quantity: resource.Quantity (JSON string or number; protobuf {string=1}).
   * duration: metav1.Duration (JSON "1m0s"; protobuf {duration=1} nanoseconds).
   */
  format?: 'byte' | 'date-time' | 'date-time-micro' | 'int-or-string' | 'quantity' | 'duration';
  enum?: string[];
}

export interface IntegerSchema {
  type: 'integer';
  format?: 'int32' | 'int64';
}

export interface NumberSchema {
  type: 'number';
  format?: 'double';
}

export interface BooleanSchema {
  type: 'boolean';
}

export interface ArraySchema {
  type: 'array';
  items: Schema;
}

/** A JSON object with arbitrary keys (Go map); protobuf map entries {key=1,value=2}. */
export interface MapSchema {
  type: 'map';
  values: Schema;
}

/** Arbitrary JSON (runtime.RawExtension in protobuf: {raw=1} bytes holding JSON). */
export interface AnySchema {
  type: 'any';
}

export type Schema = RefSchema | StringSchema | IntegerSchema | NumberSchema | BooleanSchema | ArraySchema | MapSchema | AnySchema;

export type Field = Schema & {
  description?: string;
  /** Field number in the Kubernetes generated.proto message; omit if the field has none. */
  proto?: number;
  /** x-kubernetes-patch-strategy: "merge", "retainKeys", "merge,retainKeys", "replace". */
  patchStrategy?: string;
  /** x-kubernetes-patch-merge-key, e.g. "name" for containers. */
  patchMergeKey?: string;
  /** x-kubernetes-list-type: atomic | set | map. */
  listType?: 'atomic' | 'set' | 'map';
  listMapKeys?: string[];
  /**
   * A Go value field (not a pointer) tagged `omitempty`: protobuf always carries it, JSON omits
   * its zero. Decoding protobuf drops the zero (0, false) so the object reads as its JSON would.
   */
  omitZero?: boolean;
};

export interface Definition {
  description?: string;
  fields: Record<string, Field>;
  /** JSON field names that must be present (OpenAPI `required`). */
  required?: string[];
  /**
   * Go structs embedded with `json:",inline"`: their JSON fields appear in this object,
   * while in protobuf they are a sub-message at field number `proto`.
   * Example: Volume embeds VolumeSource at proto 2; Probe embeds ProbeHandler at proto 1.
   */
  inline?: { proto: number; ref: string }[];
  /** For top-level kinds: group/version/kind (x-kubernetes-group-version-kind). */
  gvk?: { group: string; version: string; kind: string }[];
}

export type Definitions = Record<string, Definition>;
