// Field paths and sets of them, in the encoding Kubernetes uses for metadata.managedFields
// (fieldsType "FieldsV1"). Each step of a path is one of:
//   f:<name>            a field of a struct or a key of a map
//   k:{"name":"nginx"}  the item of an associative list with these key values
//   v:"value"           the item of a set (list of primitives)
//   i:3                 the item of an atomic list at an index (only read, never produced)
// A FieldsV1 document is a tree of those steps; "." marks a node that is itself a member
// of the set while also having members below it. `{}` is a member without children.
import { isObject, type JsonObject } from './json-value.ts';

export type PathElement = { field: string } | { key: JsonObject } | { value: unknown } | { index: number };
export type FieldPath = PathElement[];

/** The FieldsV1 step for one element; key objects are written with sorted field names. */
export function elementToken(element: PathElement): string {
  if ('field' in element) return `f:${element.field}`;
  if ('key' in element) {
    const sorted = Object.fromEntries(
      Object.keys(element.key)
        .sort()
        .map((k) => [k, element.key[k]]),
    );
    return `k:${JSON.stringify(sorted)}`;
  }
  if ('value' in element) return `v:${JSON.stringify(element.value)}`;
  return `i:${element.index}`;
}

export function tokenElement(token: string): PathElement {
  const payload = token.slice(2);
  switch (token.slice(0, 2)) {
    case 'f:':
      return { field: payload };
    case 'k:':
      return { key: JSON.parse(payload) };
    case 'v:':
      return { value: JSON.parse(payload) };
    case 'i:':
      return { index: Number(payload) };
    default:
      throw new Error(`bad FieldsV1 path element ${JSON.stringify(token)}`);
  }
}

/** How Kubernetes prints a path in conflict messages: `.spec.containers[name="nginx"].image`. */
export function formatPath(path: FieldPath): string {
  return path
    .map((e) => {
      if ('field' in e) return `.${e.field}`;
      if ('key' in e) {
        const parts = Object.keys(e.key)
          .sort()
          .map((k) => `${k}=${JSON.stringify(e.key[k])}`);
        return `[${parts.join(',')}]`;
      }
      if ('value' in e) return `[=${JSON.stringify(e.value)}]`;
      return `[${e.index}]`;
    })
    .join('');
}

/** A set of field paths. Paths are stored as JSON arrays of tokens, so prefixes are string prefixes. */
export class FieldSet {
  private readonly members = new Set<string>();
  /** Encoded proper prefixes of the members, built on demand (hasDescendant is asked per leaf). */
  private ancestors: Set<string> | undefined;

  static of(paths: FieldPath[]): FieldSet {
    const set = new FieldSet();
    for (const p of paths) set.add(p);
    return set;
  }

  static fromFieldsV1(fields: unknown): FieldSet {
    const set = new FieldSet();
    // `open` is the encoded path without its closing bracket, extended one token at a time.
    const walk = (node: unknown, open: string): void => {
      if (!isObject(node)) return;
      for (const [token, child] of Object.entries(node)) {
        if (token === '.') continue;
        const path = extendEncoded(open, token);
        if (isObject(child) && (Object.keys(child).length === 0 || '.' in child)) set.members.add(`${path}]`);
        walk(child, path);
      }
    };
    walk(fields, '[');
    return set;
  }

  add(path: FieldPath): void {
    if (path.length) this.members.add(encode(path));
    this.ancestors = undefined;
  }

  /** Adds a member already in its encoded form (see encodedMembers); the hot paths build those directly. */
  addEncoded(member: string): void {
    if (member !== '[]') this.members.add(member);
    this.ancestors = undefined;
  }

  hasEncoded(member: string): boolean {
    return this.members.has(member);
  }

  /** The members as JSON arrays of FieldsV1 tokens, e.g. `["f:spec","f:replicas"]`. */
  encodedMembers(): IterableIterator<string> {
    return this.members.values();
  }

  has(path: FieldPath): boolean {
    return this.members.has(encode(path));
  }

  delete(path: FieldPath): void {
    this.members.delete(encode(path));
    this.ancestors = undefined;
  }

  get size(): number {
    return this.members.size;
  }

  /** Whether some member lies strictly below `path`. */
  hasDescendant(path: FieldPath): boolean {
    if (!this.ancestors) {
      this.ancestors = new Set();
      for (const m of this.members) {
        const tokens = JSON.parse(m) as string[];
        for (let n = 0; n < tokens.length; n++) this.ancestors.add(JSON.stringify(tokens.slice(0, n)));
      }
    }
    return this.ancestors.has(encode(path));
  }

  /** Whether `path` or something below it is a member. */
  covers(path: FieldPath): boolean {
    return this.has(path) || this.hasDescendant(path);
  }

  paths(): FieldPath[] {
    return [...this.members].map((m) => (JSON.parse(m) as string[]).map(tokenElement));
  }

  union(other: FieldSet): FieldSet {
    const out = this.copy();
    for (const m of other.members) out.members.add(m);
    return out;
  }

  difference(other: FieldSet): FieldSet {
    const out = new FieldSet();
    for (const m of this.members) if (!other.members.has(m)) out.members.add(m);
    return out;
  }

  copy(): FieldSet {
    const out = new FieldSet();
    for (const m of this.members) out.members.add(m);
    return out;
  }

  /** Members that are `path` itself or lie below it. */
  removeSubtree(path: FieldPath): void {
    const exact = encode(path);
    const prefix = `${exact.slice(0, -1)},`;
    for (const m of [...this.members]) if (m === exact || m.startsWith(prefix)) this.members.delete(m);
    this.ancestors = undefined;
  }

  equals(other: FieldSet): boolean {
    return this.size === other.size && [...this.members].every((m) => other.members.has(m));
  }

  /** The FieldsV1 document; keys sorted with "." first, as the Kubernetes encoder writes them. */
  toFieldsV1(): JsonObject {
    type Node = { member: boolean; children: Map<string, Node> };
    const root: Node = { member: false, children: new Map() };
    for (const m of this.members) {
      let node = root;
      for (const token of JSON.parse(m) as string[]) {
        let child = node.children.get(token);
        if (!child) {
          child = { member: false, children: new Map() };
          node.children.set(token, child);
        }
        node = child;
      }
      node.member = true;
    }
    const render = (node: Node): JsonObject => {
      const out: JsonObject = {};
      if (node.member && node.children.size) out['.'] = {};
      for (const token of [...node.children.keys()].sort()) out[token] = render(node.children.get(token)!);
      return out;
    };
    return render(root);
  }
}

function encode(path: FieldPath): string {
  return JSON.stringify(path.map(elementToken));
}

/**
 * One more token on an encoded path that is still open (no closing bracket; the empty path
 * is "["): `${extendEncoded(open, t)}]` equals JSON.stringify([...tokens, t]).
 */
export function extendEncoded(open: string, token: string): string {
  return open === '[' ? `[${JSON.stringify(token)}` : `${open},${JSON.stringify(token)}`;
}
