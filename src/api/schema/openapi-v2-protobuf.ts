// Encodes a Swagger 2.0 document (JSON form, as built by openapi-v2.ts) as the gnostic
// `openapi.v2.Document` protobuf that kubectl ≤1.28 requires from /openapi/v2
// (served as application/octet-stream). Field numbers come from gnostic's OpenAPIv2.proto.
// Vendor extensions and enum values are `Any` messages holding YAML text, as gnostic stores them.
import protobuf from 'protobufjs/minimal.js';
import { stringify } from 'yaml';
import type { JsonObject } from './openapi-v3.ts';

type Writer = protobuf.Writer;

const VARINT = 0;
const FIXED64 = 1;
const LENGTH = 2;

function writeString(w: Writer, field: number, value: unknown): void {
  if (typeof value === 'string' && value !== '') w.uint32((field << 3) | LENGTH).string(value);
}

function writeStrings(w: Writer, field: number, values: unknown): void {
  if (Array.isArray(values)) for (const v of values) if (typeof v === 'string') w.uint32((field << 3) | LENGTH).string(v);
}

function writeBool(w: Writer, field: number, value: unknown): void {
  if (value === true) w.uint32((field << 3) | VARINT).bool(true);
}

function writeDouble(w: Writer, field: number, value: unknown): void {
  if (typeof value === 'number') w.uint32((field << 3) | FIXED64).double(value);
}

function writeInt64(w: Writer, field: number, value: unknown): void {
  if (typeof value === 'number') w.uint32((field << 3) | VARINT).int64(value);
}

function writeMessage(w: Writer, field: number, body: (w: Writer) => void): void {
  w.uint32((field << 3) | LENGTH).fork();
  body(w);
  w.ldelim();
}

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

// The same few extension values (patch strategies, actions, GVKs) repeat thousands of times.
const yamlCache = new Map<string, string>();
function yamlText(value: unknown): string {
  const key = JSON.stringify(value);
  let text = yamlCache.get(key);
  if (text === undefined) {
    text = stringify(value);
    if (yamlCache.size < 10_000) yamlCache.set(key, text);
  }
  return text;
}

/** gnostic Any {value=1 (google.protobuf.Any), yaml=2}: we always use the YAML form. */
function writeAny(w: Writer, field: number, value: unknown): void {
  writeMessage(w, field, (w) => writeString(w, 2, yamlText(value)));
}

/** NamedAny {name=1, value=2} entries for every `x-` key of a JSON object. */
function writeVendorExtensions(w: Writer, field: number, obj: JsonObject): void {
  for (const [name, value] of Object.entries(obj)) {
    if (!name.startsWith('x-')) continue;
    writeMessage(w, field, (w) => {
      writeString(w, 1, name);
      writeAny(w, 2, value);
    });
  }
}

function writeSchema(w: Writer, s: JsonObject): void {
  writeString(w, 1, s.$ref);
  writeString(w, 2, s.format);
  writeString(w, 3, s.title);
  writeString(w, 4, s.description);
  if ('default' in s) writeAny(w, 5, s.default);
  writeDouble(w, 6, s.multipleOf);
  writeDouble(w, 7, s.maximum);
  writeBool(w, 8, s.exclusiveMaximum);
  writeDouble(w, 9, s.minimum);
  writeBool(w, 10, s.exclusiveMinimum);
  writeInt64(w, 11, s.maxLength);
  writeInt64(w, 12, s.minLength);
  writeString(w, 13, s.pattern);
  writeInt64(w, 14, s.maxItems);
  writeInt64(w, 15, s.minItems);
  writeBool(w, 16, s.uniqueItems);
  writeInt64(w, 17, s.maxProperties);
  writeInt64(w, 18, s.minProperties);
  writeStrings(w, 19, s.required);
  if (Array.isArray(s.enum)) for (const v of s.enum) writeAny(w, 20, v);
  const additional = s.additionalProperties;
  if (isObject(additional)) writeMessage(w, 21, (w) => writeMessage(w, 1, (w) => writeSchema(w, additional)));
  else if (typeof additional === 'boolean') writeMessage(w, 21, (w) => w.uint32((2 << 3) | VARINT).bool(additional));
  if (s.type !== undefined) writeMessage(w, 22, (w) => writeStrings(w, 1, Array.isArray(s.type) ? s.type : [s.type]));
  const items = s.items;
  if (items !== undefined) {
    writeMessage(w, 23, (w) => {
      for (const item of Array.isArray(items) ? items : [items]) if (isObject(item)) writeMessage(w, 1, (w) => writeSchema(w, item));
    });
  }
  if (Array.isArray(s.allOf)) for (const sub of s.allOf) if (isObject(sub)) writeMessage(w, 24, (w) => writeSchema(w, sub));
  const properties = s.properties;
  if (isObject(properties)) writeMessage(w, 25, (w) => writeNamedSchemas(w, 1, properties));
  writeString(w, 26, s.discriminator);
  writeBool(w, 27, s.readOnly);
  if ('example' in s) writeAny(w, 30, s.example);
  writeVendorExtensions(w, 31, s);
}

/** NamedSchema {name=1, value=2} entries (Definitions and Properties share this shape). */
function writeNamedSchemas(w: Writer, field: number, schemas: JsonObject): void {
  for (const [name, schema] of Object.entries(schemas)) {
    if (!isObject(schema)) continue;
    writeMessage(w, field, (w) => {
      writeString(w, 1, name);
      writeMessage(w, 2, (w) => writeSchema(w, schema));
    });
  }
}

/** Query and path parameters (NonBodyParameter sub-schemas) or the body parameter. */
function writeParametersItem(w: Writer, field: number, p: JsonObject): void {
  writeMessage(w, field, (w) => {
    if (typeof p.$ref === 'string') {
      writeMessage(w, 2, (w) => writeString(w, 1, p.$ref));
      return;
    }
    writeMessage(w, 1, (w) => {
      if (p.in === 'body') {
        writeMessage(w, 1, (w) => {
          writeString(w, 1, p.description);
          writeString(w, 2, p.name);
          writeString(w, 3, p.in);
          writeBool(w, 4, p.required);
          if (isObject(p.schema)) writeMessage(w, 5, (w) => writeSchema(w, p.schema as JsonObject));
          writeVendorExtensions(w, 6, p);
        });
        return;
      }
      writeMessage(w, 2, (w) => {
        if (p.in === 'query') {
          writeMessage(w, 3, (w) => {
            writeBool(w, 1, p.required);
            writeString(w, 2, p.in);
            writeString(w, 3, p.description);
            writeString(w, 4, p.name);
            writeString(w, 6, p.type);
            writeString(w, 7, p.format);
            writeBool(w, 20, p.uniqueItems);
            writeVendorExtensions(w, 23, p);
          });
        } else {
          // path (4) and header (1) sub-schemas share one numbering.
          writeMessage(w, p.in === 'header' ? 1 : 4, (w) => {
            writeBool(w, 1, p.required);
            writeString(w, 2, p.in);
            writeString(w, 3, p.description);
            writeString(w, 4, p.name);
            writeString(w, 5, p.type);
            writeString(w, 6, p.format);
            writeBool(w, 19, p.uniqueItems);
            writeVendorExtensions(w, 22, p);
          });
        }
      });
    });
  });
}

function writeOperation(w: Writer, op: JsonObject): void {
  writeStrings(w, 1, op.tags);
  writeString(w, 2, op.summary);
  writeString(w, 3, op.description);
  writeString(w, 5, op.operationId);
  writeStrings(w, 6, op.produces);
  writeStrings(w, 7, op.consumes);
  if (Array.isArray(op.parameters)) for (const p of op.parameters) if (isObject(p)) writeParametersItem(w, 8, p);
  const responses = op.responses;
  if (isObject(responses)) {
    writeMessage(w, 9, (w) => {
      for (const [code, response] of Object.entries(responses)) {
        if (!isObject(response)) continue;
        // NamedResponseValue {name=1, value=2 ResponseValue{response=1 Response}}
        writeMessage(w, 1, (w) => {
          writeString(w, 1, code);
          writeMessage(w, 2, (w) =>
            writeMessage(w, 1, (w) => {
              writeString(w, 1, response.description);
              if (isObject(response.schema))
                writeMessage(w, 2, (w) => writeMessage(w, 1, (w) => writeSchema(w, response.schema as JsonObject)));
              writeVendorExtensions(w, 5, response);
            }),
          );
        });
      }
    });
  }
  writeStrings(w, 10, op.schemes);
  writeBool(w, 11, op.deprecated);
  writeVendorExtensions(w, 13, op);
}

const pathItemMethods: Record<string, number> = { get: 2, put: 3, post: 4, delete: 5, options: 6, head: 7, patch: 8 };

function writePathItem(w: Writer, item: JsonObject): void {
  writeString(w, 1, item.$ref);
  for (const [method, field] of Object.entries(pathItemMethods)) {
    const op = item[method];
    if (isObject(op)) writeMessage(w, field, (w) => writeOperation(w, op));
  }
  if (Array.isArray(item.parameters)) for (const p of item.parameters) if (isObject(p)) writeParametersItem(w, 9, p);
  writeVendorExtensions(w, 10, item);
}

// openapiV2Document() returns the same object while nothing changes, so encodings are
// remembered per document object (encoding the full API takes a few hundred milliseconds).
const encoded = new WeakMap<JsonObject, Uint8Array>();

/** The gnostic protobuf encoding of a Swagger 2.0 document (treat the document as immutable). */
export function encodeOpenAPIV2Document(doc: JsonObject): Uint8Array {
  let bytes = encoded.get(doc);
  if (!bytes) {
    bytes = encodeDocument(doc);
    encoded.set(doc, bytes);
  }
  return bytes;
}

function encodeDocument(doc: JsonObject): Uint8Array {
  const w = protobuf.Writer.create();
  writeString(w, 1, doc.swagger);
  const info = doc.info;
  if (isObject(info)) {
    writeMessage(w, 2, (w) => {
      writeString(w, 1, info.title);
      writeString(w, 2, info.version);
      writeString(w, 3, info.description);
      writeVendorExtensions(w, 7, info);
    });
  }
  writeString(w, 3, doc.host);
  writeString(w, 4, doc.basePath);
  writeStrings(w, 5, doc.schemes);
  writeStrings(w, 6, doc.consumes);
  writeStrings(w, 7, doc.produces);
  const paths = doc.paths;
  if (isObject(paths)) {
    writeMessage(w, 8, (w) => {
      writeVendorExtensions(w, 1, paths);
      for (const [path, item] of Object.entries(paths)) {
        if (path.startsWith('x-') || !isObject(item)) continue;
        writeMessage(w, 2, (w) => {
          writeString(w, 1, path);
          writeMessage(w, 2, (w) => writePathItem(w, item));
        });
      }
    });
  }
  const definitions = doc.definitions;
  if (isObject(definitions)) writeMessage(w, 9, (w) => writeNamedSchemas(w, 1, definitions));
  writeVendorExtensions(w, 16, doc);
  return w.finish();
}
