// Schema of apiextensions.k8s.io/v1 CustomResourceDefinition, as far as Hale serves it: the
// list is always empty (no custom resources), so spec and status stay opaque here.
import { any, array, item, ref, string } from '../schema/dsl.ts';
import { registerDefinitions } from '../schema/registry.ts';

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';
const APIEXT = 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1';

registerDefinitions({
  [`${APIEXT}.CustomResourceDefinition`]: {
    description: 'Describes a custom resource type; Hale serves none (the list is empty).',
    gvk: [{ group: 'apiextensions.k8s.io', version: 'v1', kind: 'CustomResourceDefinition' }],
    required: ['spec'],
    fields: {
      apiVersion: string(0, 'Versioned schema of this object.'),
      kind: string(0, 'REST resource this object represents.'),
      metadata: ref(`${META}.ObjectMeta`, 1, 'Standard object metadata.'),
      spec: any(2, 'The resource type: group, names, scope and versions with their schemas.'),
      status: any(3, 'Conditions and accepted names.'),
    },
  },
  [`${APIEXT}.CustomResourceDefinitionList`]: {
    description: 'A list of CustomResourceDefinition objects.',
    gvk: [{ group: 'apiextensions.k8s.io', version: 'v1', kind: 'CustomResourceDefinitionList' }],
    required: ['items'],
    fields: {
      apiVersion: string(0, 'Versioned schema of this list.'),
      kind: string(0, 'REST resource this list represents.'),
      metadata: ref(`${META}.ListMeta`, 1, 'Standard list metadata.'),
      items: array(item.ref(`${APIEXT}.CustomResourceDefinition`), 2, 'The definitions.'),
    },
  },
});
