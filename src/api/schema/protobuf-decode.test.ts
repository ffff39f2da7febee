import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import protobuf from 'protobufjs/minimal.js';
import { bool, int32, item, ref, string } from './dsl.ts';
import { decodeEnvelope, decodeProtobufObject, definitionForKind, formatGoDuration, ProtobufDecodeError } from './protobuf-decode.ts';
import '../definitions/meta-v1.ts';
import '../definitions/core-v1.ts';
import { registerDefinitions } from './registry.ts';
import { registerWidgetDefinitions, WIDGET } from './testdata/widget-definitions.ts';

registerWidgetDefinitions();

// An HPA shaped like autoscaling/v1 (field numbers as in its generated.proto).
const HPA = 'io.hale.test.autoscaling.v1';
registerDefinitions({
  [`${HPA}.HorizontalPodAutoscaler`]: {
    gvk: [{ group: 'hale.autoscaling.io', version: 'v1', kind: 'HorizontalPodAutoscaler' }],
    fields: {
      apiVersion: string(0),
      kind: string(0),
      metadata: ref('io.hale.test.v1.Meta', 1),
      spec: ref(`${HPA}.Spec`, 2),
      status: ref(`${HPA}.Status`, 3),
    },
  },
  [`${HPA}.Spec`]: {
    fields: {
      scaleTargetRef: ref(`${HPA}.Target`, 1),
      minReplicas: int32(2),
      maxReplicas: int32(3),
      targetCPUUtilizationPercentage: int32(4),
    },
  },
  [`${HPA}.Target`]: { fields: { kind: string(1), name: string(2), apiVersion: string(3) } },
  [`${HPA}.Status`]: {
    fields: { currentReplicas: int32(3), desiredReplicas: int32(4), conditions: { type: 'array', items: item.string, proto: 0 } },
  },
});

type Writer = protobuf.Writer;
const LEN = 2;
const VARINT = 0;
const FIXED64 = 1;

/** Builds a message with protobufjs's Writer. */
function message(build: (w: Writer) => void): Uint8Array {
  const w = protobuf.Writer.create();
  build(w);
  return w.finish();
}
const bytesField = (w: Writer, field: number, value: Uint8Array) => w.uint32((field << 3) | LEN).bytes(value);
const stringField = (w: Writer, field: number, value: string) => w.uint32((field << 3) | LEN).string(value);
const varintField = (w: Writer, field: number, value: number) => w.uint32((field << 3) | VARINT).int64(value);
const mapEntry = (w: Writer, field: number, key: string, value: (w: Writer) => void) =>
  bytesField(
    w,
    field,
    message((e) => {
      stringField(e, 1, key);
      value(e);
    }),
  );

/** "k8s\0" + runtime.Unknown{typeMeta=1{apiVersion=1,kind=2}, raw=2, contentEncoding=3, contentType=4}. */
function envelope(apiVersion: string, kind: string, raw: Uint8Array): Uint8Array {
  const unknown = message((w) => {
    bytesField(
      w,
      1,
      message((t) => {
        stringField(t, 1, apiVersion);
        stringField(t, 2, kind);
      }),
    );
    bytesField(w, 2, raw);
    stringField(w, 4, '');
  });
  return Uint8Array.from([0x6b, 0x38, 0x73, 0x00, ...unknown]);
}

const meta = message((w) => {
  stringField(w, 1, 'web');
  stringField(w, 3, ''); // Go writes empty non-pointer strings; JSON would omit them
  varintField(w, 7, 0);
  bytesField(
    w,
    8,
    message((t) => varintField(t, 1, 1767323045)),
  ); // 2026-01-02T03:04:05Z
  mapEntry(w, 11, 'app', (e) => stringField(e, 2, 'web'));
  mapEntry(w, 11, 'tier', (e) => stringField(e, 2, 'front'));
  stringField(w, 14, 'a');
  stringField(w, 14, 'b');
});

const spec = message((w) => {
  varintField(w, 1, 3); // replicas
  bytesField(
    w,
    2,
    message((q) => stringField(q, 1, '1Gi')),
  ); // size: Quantity{string=1}
  bytesField(
    w,
    3,
    message((i) => {
      varintField(i, 1, 0);
      varintField(i, 2, 8080);
    }),
  ); // port: IntOrString int
  w.uint32((4 << 3) | VARINT).bool(true); // enabled
  w.uint32((5 << 3) | FIXED64).double(0.25); // ratio
  stringField(w, 6, 'Fast');
  for (const [name, count] of [
    ['a', 1],
    ['b', 2],
  ] as const) {
    bytesField(
      w,
      7,
      message((p) => {
        stringField(p, 1, name);
        varintField(p, 2, count);
      }),
    );
  }
  mapEntry(w, 8, 'cpu', (e) =>
    bytesField(
      e,
      2,
      message((q) => stringField(q, 1, '500m')),
    ),
  );
  bytesField(
    w,
    9,
    message((r) => bytesField(r, 1, new TextEncoder().encode('{"x":[1,{"y":null}]}'))),
  ); // payload: RawExtension
  // offsets: packed int32, with a negative value (10-byte varint on the wire)
  w.uint32((10 << 3) | LEN)
    .fork()
    .int32(-5)
    .int32(7)
    .ldelim();
  varintField(w, 10, -1); // and one unpacked element appended after the packed run
  bytesField(
    w,
    11,
    message((d) => varintField(d, 1, 90_500_000_000)),
  ); // timeout: Duration 1m30.5s
  bytesField(w, 12, Uint8Array.from([0, 1, 2, 250])); // blob
  bytesField(
    w,
    13,
    message((t) => {
      varintField(t, 1, 1767323045);
      varintField(t, 2, 123456789);
    }),
  ); // renewTime MicroTime
  bytesField(
    w,
    14,
    message((p) => {
      bytesField(
        p,
        1,
        message((h) => {
          stringField(h, 1, 'true');
          stringField(h, 2, '/healthz');
        }),
      ); // Handler inlined at proto 1
      varintField(p, 2, 10);
    }),
  );
  varintField(w, 16, 2 ** 40); // serial int64
  stringField(w, 99, 'a field from a newer version'); // unknown: skipped
  w.uint32((98 << 3) | 5).fixed32(7); // unknown fixed32: skipped
});

const status = message((w) => {
  w.uint32((1 << 3) | VARINT).bool(false);
  mapEntry(w, 2, 'password', (e) => bytesField(e, 2, new TextEncoder().encode('s3cr3t')));
  mapEntry(w, 2, 'empty', (e) => bytesField(e, 2, new Uint8Array(0)));
  mapEntry(w, 2, 'novalue', () => {});
});

describe('decodeProtobufObject', () => {
  test('decodes a nested object driven by the schema', () => {
    const raw = message((w) => {
      bytesField(w, 1, meta);
      bytesField(w, 2, spec);
      bytesField(w, 3, status);
    });
    const obj = decodeProtobufObject(envelope('hale.test.io/v1', 'Widget', raw));
    assert.deepEqual(obj, {
      apiVersion: 'hale.test.io/v1',
      kind: 'Widget',
      metadata: {
        name: 'web',
        generation: 0,
        creationTimestamp: '2026-01-02T03:04:05Z',
        labels: { app: 'web', tier: 'front' },
        finalizers: ['a', 'b'],
      },
      spec: {
        replicas: 3,
        size: '1Gi',
        port: 8080,
        enabled: true,
        ratio: 0.25,
        mode: 'Fast',
        parts: [
          { name: 'a', count: 1 },
          { name: 'b', count: 2 },
        ],
        limits: { cpu: '500m' },
        payload: { x: [1, { y: null }] },
        offsets: [-5, 7, -1],
        timeout: '1m30.5s',
        blob: 'AAEC+g==',
        renewTime: '2026-01-02T03:04:05.123456Z',
        probe: { command: ['true'], path: '/healthz', periodSeconds: 10 },
        serial: 2 ** 40,
      },
      status: { ready: false, secrets: { password: 'czNjcjN0', empty: '', novalue: '' } },
    });
  });

  test('IntOrString strings, the zero Time and an empty message', () => {
    const raw = message((w) => {
      bytesField(
        w,
        1,
        message((m) => bytesField(m, 8, new Uint8Array(0))),
      );
      bytesField(
        w,
        2,
        message((s) =>
          bytesField(
            s,
            3,
            message((i) => {
              varintField(i, 1, 1);
              stringField(i, 3, '25%');
            }),
          ),
        ),
      );
      bytesField(w, 3, new Uint8Array(0));
    });
    assert.deepEqual(decodeProtobufObject(envelope('hale.test.io/v1', 'Widget', raw)), {
      apiVersion: 'hale.test.io/v1',
      kind: 'Widget',
      metadata: { creationTimestamp: null },
      spec: { port: '25%' },
      status: {},
    });
  });

  test('an autoscaler as kubectl autoscale sends it', () => {
    const raw = message((w) => {
      bytesField(
        w,
        1,
        message((m) => {
          stringField(m, 1, 'web');
          stringField(m, 2, '');
          stringField(m, 3, '');
          bytesField(m, 8, new Uint8Array(0));
        }),
      );
      bytesField(
        w,
        2,
        message((s) => {
          bytesField(
            s,
            1,
            message((t) => {
              stringField(t, 1, 'Deployment');
              stringField(t, 2, 'web');
              stringField(t, 3, 'apps/v1');
            }),
          );
          varintField(s, 2, 2);
          varintField(s, 3, 10);
          varintField(s, 4, 80);
        }),
      );
      bytesField(
        w,
        3,
        message((s) => {
          varintField(s, 3, 0);
          varintField(s, 4, 0);
        }),
      );
    });
    assert.deepEqual(decodeProtobufObject(envelope('hale.autoscaling.io/v1', 'HorizontalPodAutoscaler', raw)), {
      apiVersion: 'hale.autoscaling.io/v1',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'web', creationTimestamp: null },
      spec: {
        scaleTargetRef: { kind: 'Deployment', name: 'web', apiVersion: 'apps/v1' },
        minReplicas: 2,
        maxReplicas: 10,
        targetCPUUtilizationPercentage: 80,
      },
      status: { currentReplicas: 0, desiredReplicas: 0 },
    });
  });

  test('rejects bodies it cannot decode', () => {
    assert.throws(() => decodeProtobufObject(Uint8Array.from([1, 2, 3, 4])), ProtobufDecodeError);
    assert.throws(
      () => decodeProtobufObject(envelope('hale.test.io/v1', 'Gadget', new Uint8Array(0))),
      /no schema for kind "Gadget" in version "hale.test.io\/v1"/,
    );
    const truncated = envelope(
      'hale.test.io/v1',
      'Widget',
      message((w) => bytesField(w, 1, meta)),
    );
    assert.throws(() => decodeProtobufObject(truncated.subarray(0, truncated.length - 3)), /truncated/);
  });

  test('decodeEnvelope exposes the runtime.Unknown fields', () => {
    const env = decodeEnvelope(envelope('v1', 'ConfigMap', Uint8Array.from([1, 2])));
    assert.equal(env.apiVersion, 'v1');
    assert.equal(env.kind, 'ConfigMap');
    assert.deepEqual([...env.raw], [1, 2]);
  });

  test('definitionForKind uses the definitions gvk', () => {
    assert.equal(definitionForKind('hale.test.io/v1', 'Widget'), WIDGET);
    assert.equal(definitionForKind('hale.test.io/v2', 'Widget'), undefined);
  });

  test('DeleteOptions are understood in every group version, as typed clients send them', () => {
    const deleteOptions = 'io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions';
    assert.equal(definitionForKind('v1', 'DeleteOptions'), deleteOptions);
    assert.equal(definitionForKind('rbac.authorization.k8s.io/v1', 'DeleteOptions'), deleteOptions);
    assert.equal(definitionForKind('apps/v1', 'DeleteOptions'), deleteOptions);
    assert.equal(definitionForKind('apps/v1', 'ConfigMap'), undefined);
  });
});

describe('Go value fields tagged omitempty (omitZero)', () => {
  registerDefinitions({
    'io.hale.test.v1.Rollout': {
      gvk: [{ group: 'hale.test.io', version: 'v1', kind: 'Rollout' }],
      fields: {
        apiVersion: string(0),
        kind: string(0),
        replicas: int32(1), // *int32 in Go: an explicit 0 means zero replicas
        minReadySeconds: int32(2, '', { omitZero: true }),
        paused: bool(3, '', { omitZero: true }),
      },
    },
  });

  test('their zero is dropped, as JSON would omit it; other zeros stay', () => {
    const zeros = message((w) => {
      varintField(w, 1, 0);
      varintField(w, 2, 0);
      w.uint32((3 << 3) | VARINT).bool(false);
    });
    assert.deepEqual(decodeProtobufObject(envelope('hale.test.io/v1', 'Rollout', zeros)), {
      apiVersion: 'hale.test.io/v1',
      kind: 'Rollout',
      replicas: 0,
    });
    const set = message((w) => {
      varintField(w, 2, 5);
      w.uint32((3 << 3) | VARINT).bool(true);
    });
    assert.deepEqual(decodeProtobufObject(envelope('hale.test.io/v1', 'Rollout', set)), {
      apiVersion: 'hale.test.io/v1',
      kind: 'Rollout',
      minReadySeconds: 5,
      paused: true,
    });
  });
});

describe('formatGoDuration', () => {
  test('matches Go time.Duration.String()', () => {
    const cases: [bigint, string][] = [
      [0n, '0s'],
      [1n, '1ns'],
      [1_500n, '1.5µs'],
      [2_000_000n, '2ms'],
      [1_000_000_000n, '1s'],
      [60_000_000_000n, '1m0s'],
      [3_600_000_000_000n, '1h0m0s'],
      [3_723_500_000_000n, '1h2m3.5s'],
      [-90_000_000_000n, '-1m30s'],
    ];
    for (const [ns, text] of cases) assert.equal(formatGoDuration(ns), text, String(ns));
  });
});
