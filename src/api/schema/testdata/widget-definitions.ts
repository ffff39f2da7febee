// Small schema definitions shaped like real Kubernetes kinds, for the schema generators' tests.
// They use their own names (io.hale.test.*) so they never collide with the real definitions.
import type { ResourceType } from '../../resource-type.ts';
import {
  any,
  array,
  bool,
  bytes,
  double,
  duration,
  int32,
  int64,
  intOrString,
  item,
  map,
  microTime,
  quantity,
  ref,
  string,
  time,
} from '../dsl.ts';
import { hasDefinition, registerDefinitions } from '../registry.ts';

export const T = 'io.hale.test.v1';
export const WIDGET = `${T}.Widget`;

export function registerWidgetDefinitions(): void {
  if (hasDefinition(WIDGET)) return;
  registerDefinitions({
    [`${T}.Meta`]: {
      description: 'Test object metadata.',
      fields: {
        name: string(1, 'Name of the object.'),
        namespace: string(3, 'Namespace of the object.'),
        generation: int64(7, 'Spec generation.'),
        creationTimestamp: time(8, 'When it was created.'),
        labels: map(item.string, 11, 'Labels.'),
        finalizers: array(item.string, 14, 'Finalizers.', { patchStrategy: 'merge', listType: 'set' }),
      },
    },
    [WIDGET]: {
      description: 'A test kind.',
      gvk: [{ group: 'hale.test.io', version: 'v1', kind: 'Widget' }],
      fields: {
        apiVersion: string(0, 'API version.'),
        kind: string(0, 'Kind.'),
        metadata: ref(`${T}.Meta`, 1, 'Standard metadata.'),
        spec: ref(`${T}.WidgetSpec`, 2, 'Desired state.'),
        status: ref(`${T}.WidgetStatus`, 3, 'Observed state.'),
      },
    },
    [`${T}.WidgetList`]: {
      description: 'A list of widgets.',
      gvk: [{ group: 'hale.test.io', version: 'v1', kind: 'WidgetList' }],
      required: ['items'],
      fields: {
        apiVersion: string(0, 'API version.'),
        kind: string(0, 'Kind.'),
        items: array(item.ref(WIDGET), 2, 'The widgets.'),
      },
    },
    [`${T}.WidgetSpec`]: {
      description: 'What the widget should be.',
      required: ['size'],
      fields: {
        replicas: int32(1, 'How many.'),
        size: quantity(2, 'How big.'),
        port: intOrString(3, 'Port number or name.'),
        enabled: bool(4, 'Whether it is on.'),
        ratio: double(5, 'A fraction.'),
        mode: string(6, 'Operating mode.', { enum: ['Fast', 'Slow'] }),
        parts: array(item.ref(`${T}.Part`), 7, 'The parts, merged by name.', {
          patchStrategy: 'merge',
          patchMergeKey: 'name',
          listType: 'map',
          listMapKeys: ['name'],
        }),
        limits: map(item.quantity, 8, 'Resource limits.'),
        payload: any(9, 'Free-form JSON.'),
        offsets: array(item.int32, 10, 'Signed offsets.'),
        timeout: duration(11, 'How long to wait.'),
        blob: bytes(12, 'Raw bytes.'),
        renewTime: microTime(13, 'Last renewal.'),
        probe: ref(`${T}.Probe`, 14, 'Health check.'),
        missing: ref(`${T}.NeverRegistered`, 15, 'A ref nobody registered.'),
        serial: int64(16, 'A 64-bit number.'),
      },
    },
    [`${T}.Part`]: {
      description: 'One part.',
      required: ['name'],
      fields: { name: string(1, 'Part name.'), count: int32(2, 'How many.') },
    },
    // Probe embeds Handler (json ",inline"), which is proto field 1 of Probe.
    [`${T}.Probe`]: {
      description: 'A health check.',
      inline: [{ proto: 1, ref: `${T}.Handler` }],
      fields: { periodSeconds: int32(2, 'How often.') },
    },
    [`${T}.Handler`]: {
      description: 'What the probe runs.',
      fields: { command: array(item.string, 1, 'Command to run.'), path: string(2, 'HTTP path.') },
    },
    [`${T}.WidgetStatus`]: {
      description: 'What the widget is.',
      fields: { ready: bool(1, 'Ready or not.'), secrets: map(item.bytes, 2, 'Binary values.') },
    },
  });
}

export const widgetResource: ResourceType = {
  group: 'hale.test.io',
  version: 'v1',
  kind: 'Widget',
  plural: 'widgets',
  singular: 'widget',
  namespaced: true,
  shortNames: ['wd'],
  schema: WIDGET,
  subresources: { status: true, scale: { specReplicasPath: 'spec.replicas', statusReplicasPath: 'status.replicas' } },
};

export const clusterWidgetResource: ResourceType = {
  group: 'hale.test.io',
  version: 'v1',
  kind: 'ClusterWidget',
  plural: 'clusterwidgets',
  singular: 'clusterwidget',
  namespaced: false,
  verbs: ['get', 'list', 'patch'],
  schema: `${T}.ClusterWidget`,
};
