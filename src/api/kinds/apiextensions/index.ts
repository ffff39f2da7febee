// apiextensions.k8s.io/v1 CustomResourceDefinitions: Hale has no custom resources, and says
// so by serving an always-empty, read-only list (apiserver/custom-resource-definitions.ts).
// kubectl lists CRDs whenever a manifest names a kind it does not know; without the list
// it reported "failed to list CRDs" instead of Kubernetes' "no matches for kind".
import '../../definitions/apiextensions-v1.ts';
import type { ResourceType } from '../../resource-type.ts';

export const APIEXTENSIONS_GROUP = 'apiextensions.k8s.io';

export const customResourceDefinitions: ResourceType = {
  group: APIEXTENSIONS_GROUP,
  version: 'v1',
  kind: 'CustomResourceDefinition',
  plural: 'customresourcedefinitions',
  singular: 'customresourcedefinition',
  namespaced: false,
  shortNames: ['crd', 'crds'],
  categories: ['api-extensions'],
  verbs: ['get', 'list', 'watch'],
  virtual: true,
  schema: 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinition',
};

export const apiextensionsResources: ResourceType[] = [customResourceDefinitions];
