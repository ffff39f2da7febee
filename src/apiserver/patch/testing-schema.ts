// Schema definitions shaped like apps/v1 Deployment, for the managedFields and apply tests
// (registered under test.* names so tests do not depend on the real API definitions).
import { array, bool, int32, item, map, ref, string } from '../../api/schema/dsl.ts';
import { hasDefinition, registerDefinitions } from '../../api/schema/registry.ts';

export const testDeployment = 'test.patch.v1.Deployment';

export function registerTestDeployment(): void {
  if (hasDefinition(testDeployment)) return;
  registerDefinitions({
    [testDeployment]: {
      fields: {
        apiVersion: string(0),
        kind: string(0),
        metadata: ref('test.patch.v1.ObjectMeta', 1),
        spec: ref('test.patch.v1.DeploymentSpec', 2),
        status: ref('test.patch.v1.DeploymentStatus', 3),
      },
    },
    'test.patch.v1.ObjectMeta': {
      fields: {
        name: string(1),
        namespace: string(3),
        uid: string(5),
        resourceVersion: string(6),
        labels: map(item.string, 11),
        annotations: map(item.string, 12),
        finalizers: array(item.string, 14, '', { patchStrategy: 'merge', listType: 'set' }),
        managedFields: array(item.ref('test.patch.v1.ManagedFieldsEntry'), 17),
      },
    },
    'test.patch.v1.ManagedFieldsEntry': { fields: { manager: string(1), fieldsV1: { type: 'any' } } },
    'test.patch.v1.DeploymentSpec': {
      fields: {
        replicas: int32(1),
        paused: bool(7),
        selector: ref('test.patch.v1.LabelSelector', 2),
        template: ref('test.patch.v1.PodTemplateSpec', 3),
      },
    },
    'test.patch.v1.LabelSelector': { fields: { matchLabels: map(item.string, 1) } },
    'test.patch.v1.PodTemplateSpec': {
      fields: { metadata: ref('test.patch.v1.ObjectMeta', 1), spec: ref('test.patch.v1.PodSpec', 2) },
    },
    'test.patch.v1.PodSpec': {
      fields: {
        containers: array(item.ref('test.patch.v1.Container'), 2, '', {
          patchStrategy: 'merge',
          patchMergeKey: 'name',
          listType: 'map',
          listMapKeys: ['name'],
        }),
      },
    },
    'test.patch.v1.Container': {
      fields: {
        name: string(1),
        image: string(2),
        args: array(item.string, 4, '', { listType: 'atomic' }),
        env: array(item.ref('test.patch.v1.EnvVar'), 7, '', { patchStrategy: 'merge', patchMergeKey: 'name' }),
        ports: array(item.ref('test.patch.v1.ContainerPort'), 6, '', {
          patchStrategy: 'merge',
          patchMergeKey: 'containerPort',
          listType: 'map',
          listMapKeys: ['containerPort', 'protocol'],
        }),
      },
    },
    'test.patch.v1.EnvVar': { fields: { name: string(1), value: string(2) } },
    'test.patch.v1.ContainerPort': { fields: { name: string(1), containerPort: int32(3), protocol: string(4) } },
    'test.patch.v1.DeploymentStatus': { fields: { replicas: int32(2) } },
  });
}
