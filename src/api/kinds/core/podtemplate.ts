// core/v1 PodTemplate: a stored pod template (rarely used directly; served for completeness).
import { required } from '../../field-errors.ts';
import type { ResourceType } from '../../resource-type.ts';
import { defaultPodTemplateSpec } from './pod-defaults.ts';
import { validatePodTemplateSpec } from './pod-validation.ts';
import { column, containerCells, formatLabels, nameColumn } from './print-helpers.ts';
import '../../definitions/core-v1-pod.ts';

export const podTemplateResource: ResourceType = {
  group: '',
  version: 'v1',
  kind: 'PodTemplate',
  plural: 'podtemplates',
  singular: 'podtemplate',
  namespaced: true,
  schema: 'io.k8s.api.core.v1.PodTemplate',
  defaults: (pt) => defaultPodTemplateSpec(pt.template),
  validate: (pt) => (pt.template ? validatePodTemplateSpec(pt.template, 'template') : [required('template')]),
  table: {
    columns: [
      nameColumn,
      column('Containers', 'Names of each container in the template.'),
      column('Images', 'Images referenced by each container in the template.'),
      column('Pod Labels', 'The labels for the pod template.'),
    ],
    row: (pt) => {
      const [names, images] = containerCells(pt.template?.spec?.containers);
      return [pt.metadata?.name ?? '', names, images, formatLabels(pt.template?.metadata?.labels)];
    },
  },
};
