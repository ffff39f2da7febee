import assert from 'node:assert/strict';
import { test } from 'node:test';
import { metricsTable } from './resource-metrics-table.ts';

test('pod metrics tables sum the containers, with cpu, memory and window columns as metrics-server', () => {
  const table = metricsTable(
    [
      {
        kind: 'PodMetrics',
        metadata: { name: 'web', namespace: 'shop' },
        window: '10.5s',
        containers: [
          { name: 'app', usage: { memory: '10240Ki', cpu: '1500000n' } },
          { name: 'side', usage: { memory: '10240Ki', cpu: '500000n' } },
        ],
      },
    ],
    'v1',
  );
  assert.deepEqual(
    table.columnDefinitions.map((c: { name: string }) => c.name),
    ['Name', 'cpu', 'memory', 'Window'],
  );
  assert.deepEqual(table.rows[0].cells, ['web', '2m', '20Mi', '10.5s']);
  assert.equal(table.rows[0].object.metadata.namespace, 'shop');
});

test('node metrics tables print the usage as it is', () => {
  const table = metricsTable(
    [{ kind: 'NodeMetrics', metadata: { name: 'n1' }, window: '20s', usage: { cpu: '250m', memory: '1Gi' } }],
    'v1',
  );
  assert.deepEqual(table.rows[0].cells, ['n1', '250m', '1Gi', '20s']);
  assert.deepEqual(metricsTable([], 'v1').rows, []);
});
