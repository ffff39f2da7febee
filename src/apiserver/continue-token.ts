// Why a list's continue token is malformed, in the words of Kubernetes' storage.DecodeContinue:
// the token is unpadded base64url of the JSON {"v":"meta.k8s.io/v1","rv":<revision>,"start":<key>},
// and kube-apiserver answers a bad one with 400 "invalid continue token: <reason>". The store's
// own decoding (storage/resource-store.ts) then reads the tokens this check lets through.
import { goJsonSyntaxError } from './go-json-error.ts';

const invalidKey = 'continue key is not valid';
const base64url = /^[A-Za-z0-9_-]$/;

/** The reason `token` is not a continue token Kubernetes would decode, or undefined if it is one. */
export function continueTokenProblem(token: string): string | undefined {
  const decoded = decodeRawBase64Url(token);
  if (typeof decoded !== 'string') return `${invalidKey}: illegal base64 data at input byte ${decoded.badByte}`;
  let value: unknown;
  try {
    value = JSON.parse(decoded);
  } catch (err) {
    return `${invalidKey}: ${goJsonSyntaxError(decoded, err)}`;
  }
  const typeError = unmarshalTypeError(value);
  if (typeError) return `${invalidKey}: ${typeError}`;
  const fields = (value ?? {}) as Record<string, unknown>;
  const version = typeof fieldOf(fields, 'v') === 'string' ? (fieldOf(fields, 'v') as string) : '';
  if (version !== 'meta.k8s.io/v1') return `${invalidKey}: server does not recognize this encoded version ${version}`;
  const rv = typeof fieldOf(fields, 'rv') === 'number' ? (fieldOf(fields, 'rv') as number) : 0;
  if (rv === 0) return `${invalidKey}: incorrect encoded start resourceVersion (version meta.k8s.io/v1)`;
  const start = typeof fieldOf(fields, 'start') === 'string' ? (fieldOf(fields, 'start') as string) : '';
  if (start === '') return `${invalidKey}: encoded start key empty (version meta.k8s.io/v1)`;
  // A start key that climbs out of the list's prefix (path.Clean would change it) is refused.
  if (!isCleanPath(start.startsWith('/') ? start : `/${start}`)) return `${invalidKey}: ${start}`;
  return undefined;
}

/** Go's base64.RawURLEncoding.DecodeString: CR and LF are skipped, padding is an illegal byte. */
function decodeRawBase64Url(token: string): string | { badByte: number } {
  let significant = '';
  for (let i = 0; i < token.length; i++) {
    const c = token[i];
    if (c === '\r' || c === '\n') continue;
    if (!base64url.test(c)) return { badByte: Buffer.byteLength(token.slice(0, i)) };
    significant += c;
  }
  if (significant.length % 4 === 1) return { badByte: Buffer.byteLength(token) - 1 };
  return Buffer.from(significant, 'base64url').toString('utf8');
}

/** encoding/json matches field names case-insensitively; the last match wins. */
function fieldOf(obj: Record<string, unknown>, name: string): unknown {
  let found: unknown;
  for (const [key, value] of Object.entries(obj)) if (key.toLowerCase() === name) found = value;
  return found;
}

function jsonKind(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'boolean') return 'bool';
  return typeof value === 'object' ? 'object' : typeof value;
}

/** json.Unmarshal's first UnmarshalTypeError for the token's struct (null leaves a field unset). */
function unmarshalTypeError(value: unknown): string | undefined {
  if (value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) {
    return `json: cannot unmarshal ${jsonKind(value)} into Go value of type storage.continueToken`;
  }
  const types: Record<string, string> = { v: 'string', rv: 'int64', start: 'string' };
  for (const [key, field] of Object.entries(value as Record<string, unknown>)) {
    const name = key.toLowerCase();
    const goType = types[name];
    if (!goType || field === null) continue;
    const where = `Go struct field continueToken.${name} of type ${goType}`;
    if (goType === 'int64') {
      if (typeof field !== 'number') return `json: cannot unmarshal ${jsonKind(field)} into ${where}`;
      if (!Number.isInteger(field) || Math.abs(field) >= 2 ** 63) return `json: cannot unmarshal number ${field} into ${where}`;
    } else if (typeof field !== 'string') {
      return `json: cannot unmarshal ${jsonKind(field)} into ${where}`;
    }
  }
  return undefined;
}

/** Whether Go's path.Clean leaves this rooted path as it is. */
function isCleanPath(p: string): boolean {
  if (p === '/') return true;
  if (p.endsWith('/')) return false;
  return p
    .slice(1)
    .split('/')
    .every((segment) => segment !== '' && segment !== '.' && segment !== '..');
}
