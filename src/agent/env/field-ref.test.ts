import assert from 'node:assert/strict';
import { test } from 'node:test';
import { goQuote } from '../../api/go-quote.ts';
import { containerResourceValue, formatMap, metadataFieldValue, podFieldValue } from './field-ref.ts';

const pod = {
  metadata: {
    name: 'web-0',
    namespace: 'shop',
    uid: 'u-1',
    labels: { app: 'web', tier: 'front' },
    annotations: { 'example.com/note': 'say "hi"\n' },
  },
  spec: {
    nodeName: 'n1',
    serviceAccountName: 'robot',
    containers: [
      { name: 'app', resources: { limits: { cpu: '250m', memory: '64Mi' }, requests: { cpu: '100m', memory: '32Mi' } } },
      { name: 'side', resources: {} },
    ],
  },
  status: { podIP: '127.1.0.5', podIPs: [{ ip: '127.1.0.5' }, { ip: 'fd00::5' }], hostIP: '10.0.0.1', hostIPs: [{ ip: '10.0.0.1' }] },
};
const node = { metadata: { name: 'n1' }, status: { allocatable: { cpu: '4', memory: '8Gi', 'ephemeral-storage': '100Gi' } } };
const [app, side] = pod.spec.containers;

test('goQuote escapes like Go strconv.Quote', () => {
  assert.equal(goQuote('plain'), '"plain"');
  assert.equal(goQuote('say "hi"\n'), '"say \\"hi\\"\\n"');
  assert.equal(goQuote('tab\there\\'), '"tab\\there\\\\"');
  assert.equal(goQuote('\x01\x7f'), '"\\x01\\x7f"');
  assert.equal(goQuote('héllo ✓'), '"héllo ✓"');
  assert.equal(goQuote('\u00a0'), '"\\u00a0"');
});

test('formatMap writes sorted key="value" lines without a trailing newline', () => {
  assert.equal(formatMap({ tier: 'front', app: 'web' }), 'app="web"\ntier="front"');
  assert.equal(formatMap({}), '');
  assert.equal(formatMap(undefined), '');
});

test('metadata fields, whole maps and subscripts', () => {
  assert.equal(metadataFieldValue(pod, 'metadata.name'), 'web-0');
  assert.equal(metadataFieldValue(pod, 'metadata.namespace'), 'shop');
  assert.equal(metadataFieldValue(pod, 'metadata.uid'), 'u-1');
  assert.equal(metadataFieldValue(pod, 'metadata.labels'), 'app="web"\ntier="front"');
  assert.equal(metadataFieldValue(pod, 'metadata.annotations'), 'example.com/note="say \\"hi\\"\\n"');
  assert.equal(metadataFieldValue(pod, "metadata.labels['tier']"), 'front');
  assert.equal(metadataFieldValue(pod, "metadata.annotations['example.com/note']"), 'say "hi"\n');
  assert.equal(metadataFieldValue(pod, "metadata.labels['missing']"), '');
  assert.throws(() => metadataFieldValue(pod, 'spec.nodeName'), /unsupported fieldPath: spec.nodeName/);
});

test('env fieldRefs: spec and status fields, IP lists joined with commas', () => {
  const v = (fieldPath: string, apiVersion?: string) => podFieldValue(pod, { fieldPath, apiVersion }, node);
  assert.equal(v('spec.nodeName'), 'n1');
  assert.equal(v('spec.serviceAccountName', 'v1'), 'robot');
  assert.equal(v('status.podIP'), '127.1.0.5');
  assert.equal(v('status.podIPs'), '127.1.0.5,fd00::5');
  assert.equal(v('status.hostIP'), '10.0.0.1');
  assert.equal(v('status.hostIPs'), '10.0.0.1');
  assert.equal(v('metadata.name'), 'web-0');
  assert.throws(() => v('metadata.name', 'v2'), /unsupported pod version: v2/);
  assert.throws(() => v('spec.containers'), /field label not supported: spec.containers/);
});

test('status.hostIP falls back to the node InternalIP when the pod has none yet', () => {
  const bare = { metadata: { name: 'p' }, spec: {}, status: {} };
  const withAddress = {
    status: {
      addresses: [
        { type: 'Hostname', address: 'h' },
        { type: 'InternalIP', address: '192.168.1.9' },
      ],
    },
  };
  assert.equal(podFieldValue(bare, { fieldPath: 'status.hostIP' }, withAddress), '192.168.1.9');
  assert.equal(podFieldValue(bare, { fieldPath: 'status.podIP' }), '');
});

test('resource values are divided by the divisor and rounded up', () => {
  const r = (resource: string, divisor?: string, c = app) => containerResourceValue(pod, c, { resource, divisor }, node);
  assert.equal(r('limits.cpu'), '1'); // 250m rounds up to one core
  assert.equal(r('limits.cpu', '1m'), '250');
  assert.equal(r('requests.cpu', '1m'), '100');
  assert.equal(r('limits.memory'), String(64 * 1024 * 1024));
  assert.equal(r('limits.memory', '1Mi'), '64');
  assert.equal(r('requests.memory', '1Mi'), '32');
  assert.equal(r('limits.memory', '1G'), '1'); // 67 MB → 1 (ceil)
  assert.equal(r('limits.memory', '0'), String(64 * 1024 * 1024)); // a zero divisor means 1
});

test('unset limits read as node allocatable; unset requests read as zero', () => {
  const r = (resource: string, divisor?: string) => containerResourceValue(pod, side, { resource, divisor }, node);
  assert.equal(r('limits.cpu'), '4');
  assert.equal(r('limits.memory', '1Gi'), '8');
  assert.equal(r('limits.ephemeral-storage', '1Gi'), '100');
  assert.equal(r('requests.cpu'), '0');
  assert.equal(r('requests.memory'), '0');
});

test('containerName selects another container; unknown names and resources fail', () => {
  assert.equal(containerResourceValue(pod, side, { containerName: 'app', resource: 'limits.cpu', divisor: '1m' }, node), '250');
  assert.throws(
    () => containerResourceValue(pod, app, { containerName: 'nope', resource: 'limits.cpu' }, node),
    /container nope not found/,
  );
  assert.throws(() => containerResourceValue(pod, app, { resource: 'limits.gpu' }, node), /unsupported container resource : limits.gpu/);
});
