// Schema of storage.k8s.io/v1 StorageClass, plus the core/v1 topology selector types it
// uses. Field numbers follow k8s.io/api/storage/v1 and core/v1 generated.proto.
import { array, bool, item, map, ref, string } from '../schema/dsl.ts';
import { registerDefinitions } from '../schema/registry.ts';

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';
const STORAGE = 'io.k8s.api.storage.v1';
const CORE = 'io.k8s.api.core.v1';

registerDefinitions({
  [`${STORAGE}.StorageClass`]: {
    description: 'A class of storage from which PersistentVolumes can be provisioned on demand.',
    gvk: [{ group: 'storage.k8s.io', version: 'v1', kind: 'StorageClass' }],
    required: ['provisioner'],
    fields: {
      apiVersion: string(0, 'Versioned schema of this object; the server may convert to its own.'),
      kind: string(0, 'REST resource this object represents, in CamelCase.'),
      metadata: ref(`${META}.ObjectMeta`, 1, 'Standard object metadata.'),
      provisioner: string(2, 'Name of the volume provisioner; immutable.'),
      parameters: map(item.string, 3, 'Provisioner-specific parameters; immutable.'),
      reclaimPolicy: string(4, 'Delete (the default) or Retain for provisioned volumes; immutable.', {
        enum: ['Delete', 'Recycle', 'Retain'],
      }),
      mountOptions: array(item.string, 5, 'Mount options of provisioned volumes, e.g. ["ro"].', { listType: 'atomic' }),
      allowVolumeExpansion: bool(6, 'Whether claims of this class may grow.'),
      volumeBindingMode: string(7, 'Immediate (the default) or WaitForFirstConsumer; immutable.', {
        enum: ['Immediate', 'WaitForFirstConsumer'],
      }),
      allowedTopologies: array(item.ref(`${CORE}.TopologySelectorTerm`), 8, 'Topologies where volumes may be provisioned.', {
        listType: 'atomic',
      }),
    },
  },
  [`${STORAGE}.StorageClassList`]: {
    description: 'A list of StorageClass objects.',
    gvk: [{ group: 'storage.k8s.io', version: 'v1', kind: 'StorageClassList' }],
    required: ['items'],
    fields: {
      apiVersion: string(0, 'Versioned schema of this list.'),
      kind: string(0, 'REST resource this list represents.'),
      metadata: ref(`${META}.ListMeta`, 1, 'Standard list metadata.'),
      items: array(item.ref(`${STORAGE}.StorageClass`), 2, 'The storage classes.'),
    },
  },
  [`${CORE}.TopologySelectorTerm`]: {
    description: 'Topology requirements that must all hold.',
    fields: {
      matchLabelExpressions: array(item.ref(`${CORE}.TopologySelectorLabelRequirement`), 1, 'Requirements on topology labels.', {
        listType: 'atomic',
      }),
    },
  },
  [`${CORE}.TopologySelectorLabelRequirement`]: {
    description: 'A topology label and the values it may take.',
    required: ['key', 'values'],
    fields: {
      key: string(1, 'Topology label key.'),
      values: array(item.string, 2, 'Accepted values; one must match.', { listType: 'atomic' }),
    },
  },
});
