// Schema of the apps/v1 group: Deployment, ReplicaSet, StatefulSet, DaemonSet and
// ControllerRevision. Field numbers follow k8s.io/api/apps/v1/generated.proto.
import { any, array, bool, int32, int64, intOrString, item, ref, string, time } from '../schema/dsl.ts';
import { registerDefinitions } from '../schema/registry.ts';
import type { Definition, Field } from '../schema/types.ts';

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';
const APPS = 'io.k8s.api.apps.v1';
const POD_TEMPLATE = 'io.k8s.api.core.v1.PodTemplateSpec';

/** The shape shared by every apps/v1 top-level kind: apiVersion, kind, metadata, spec, status. */
function topLevel(kind: string, description: string, spec: string, status: string): Definition {
  return {
    description,
    gvk: [{ group: 'apps', version: 'v1', kind }],
    fields: {
      apiVersion: string(0, 'Versioned schema of this object; the server may convert to its own.'),
      kind: string(0, 'REST resource this object represents, in CamelCase.'),
      metadata: ref(`${META}.ObjectMeta`, 1, 'Standard object metadata.'),
      spec: ref(`${APPS}.${spec}`, 2, `Desired state of the ${kind}.`),
      status: ref(`${APPS}.${status}`, 3, `Most recently observed state of the ${kind}; written by the system.`),
    },
  };
}

function listOf(kind: string): Definition {
  return {
    description: `A list of ${kind} objects.`,
    gvk: [{ group: 'apps', version: 'v1', kind: `${kind}List` }],
    required: ['items'],
    fields: {
      apiVersion: string(0, 'Versioned schema of this list.'),
      kind: string(0, 'REST resource this list represents.'),
      metadata: ref(`${META}.ListMeta`, 1, 'Standard list metadata.'),
      items: array(item.ref(`${APPS}.${kind}`), 2, `The ${kind} objects.`),
    },
  };
}

/** Conditions of apps kinds: type/status/time/reason/message, merged by type. */
function condition(what: string): Definition {
  return {
    description: `One observed condition of a ${what}.`,
    required: ['type', 'status'],
    fields: {
      type: string(1, 'Kind of condition.'),
      status: string(2, 'True, False or Unknown.'),
      lastTransitionTime: time(3, 'When the status last changed.'),
      reason: string(4, 'Machine-readable cause of the last transition.'),
      message: string(5, 'Human-readable detail of the last transition.'),
    },
  };
}

const conditionsField = (name: string, proto: number, what: string): Field =>
  array(item.ref(`${APPS}.${name}`), proto, `Latest observations of the ${what}'s state.`, {
    patchStrategy: 'merge',
    patchMergeKey: 'type',
    listType: 'map',
    listMapKeys: ['type'],
  });

registerDefinitions({
  // ---- Deployment -------------------------------------------------------------------
  [`${APPS}.Deployment`]: topLevel('Deployment', 'Declarative updates of Pods through ReplicaSets.', 'DeploymentSpec', 'DeploymentStatus'),
  [`${APPS}.DeploymentList`]: listOf('Deployment'),
  [`${APPS}.DeploymentSpec`]: {
    description: 'What the Deployment should run and how it rolls out changes.',
    required: ['selector', 'template'],
    fields: {
      replicas: int32(1, 'Number of desired pods; 1 when unset.'),
      selector: ref(`${META}.LabelSelector`, 2, 'Selects the pods this Deployment manages; must match the template labels.'),
      template: ref(POD_TEMPLATE, 3, 'Pods created by this Deployment; restartPolicy must be Always.'),
      strategy: ref(`${APPS}.DeploymentStrategy`, 4, 'How old pods are replaced by new ones.', { patchStrategy: 'retainKeys' }),
      minReadySeconds: int32(5, 'Seconds a new pod must be ready before it counts as available.', { omitZero: true }),
      revisionHistoryLimit: int32(6, 'Old ReplicaSets kept for rollback; 10 when unset.'),
      paused: bool(7, 'When true, template changes are not rolled out.', { omitZero: true }),
      progressDeadlineSeconds: int32(9, 'Seconds without progress before the rollout is reported as failed; 600 when unset.'),
      podReplacementPolicy: string(10, 'When replacement pods are created: TerminationStarted or TerminationComplete (alpha).'),
    },
  },
  [`${APPS}.DeploymentStrategy`]: {
    description: 'How a Deployment replaces existing pods.',
    fields: {
      type: string(1, 'Recreate or RollingUpdate (the default).', { enum: ['Recreate', 'RollingUpdate'] }),
      rollingUpdate: ref(`${APPS}.RollingUpdateDeployment`, 2, 'Rolling update parameters; only with type RollingUpdate.'),
    },
  },
  [`${APPS}.RollingUpdateDeployment`]: {
    description: 'Limits of a rolling update.',
    fields: {
      maxUnavailable: intOrString(1, 'Pods that may be unavailable during the update, as a number or percentage; 25% when unset.'),
      maxSurge: intOrString(2, 'Pods that may exist above the desired count, as a number or percentage; 25% when unset.'),
    },
  },
  [`${APPS}.DeploymentStatus`]: {
    description: 'Observed state of a Deployment.',
    fields: {
      observedGeneration: int64(1, 'Generation last acted on by the controller.'),
      replicas: int32(2, 'Non-terminating pods targeted by the Deployment.'),
      updatedReplicas: int32(3, 'Non-terminating pods that run the current template.'),
      readyReplicas: int32(7, 'Non-terminating pods with a Ready condition.'),
      availableReplicas: int32(4, 'Pods ready for at least minReadySeconds.'),
      unavailableReplicas: int32(5, 'Pods still missing to reach full availability.'),
      terminatingReplicas: int32(9, 'Pods being deleted (alpha).'),
      conditions: conditionsField('DeploymentCondition', 6, 'Deployment'),
      collisionCount: int32(8, 'Hash collision counter used to name new ReplicaSets.'),
    },
  },
  [`${APPS}.DeploymentCondition`]: {
    description: 'One observed condition of a Deployment.',
    required: ['type', 'status'],
    fields: {
      type: string(1, 'Kind of condition: Available, Progressing or ReplicaFailure.'),
      status: string(2, 'True, False or Unknown.'),
      lastUpdateTime: time(6, 'When this condition was last updated.'),
      lastTransitionTime: time(7, 'When the status last changed.'),
      reason: string(4, 'Machine-readable cause of the last transition.'),
      message: string(5, 'Human-readable detail of the last transition.'),
    },
  },

  // ---- ReplicaSet ------------------------------------------------------------------
  [`${APPS}.ReplicaSet`]: topLevel('ReplicaSet', 'Keeps a given number of identical pods running.', 'ReplicaSetSpec', 'ReplicaSetStatus'),
  [`${APPS}.ReplicaSetList`]: listOf('ReplicaSet'),
  [`${APPS}.ReplicaSetSpec`]: {
    description: 'Desired pods of a ReplicaSet.',
    required: ['selector'],
    fields: {
      replicas: int32(1, 'Number of desired pods; 1 when unset.'),
      minReadySeconds: int32(4, 'Seconds a new pod must be ready before it counts as available.', { omitZero: true }),
      selector: ref(`${META}.LabelSelector`, 2, 'Selects the pods counted by this ReplicaSet; must match the template labels.'),
      template: ref(POD_TEMPLATE, 3, 'Pods created when too few exist.'),
    },
  },
  [`${APPS}.ReplicaSetStatus`]: {
    description: 'Observed state of a ReplicaSet.',
    required: ['replicas'],
    fields: {
      replicas: int32(1, 'Non-terminating pods seen most recently.'),
      fullyLabeledReplicas: int32(2, 'Pods whose labels match the template labels.'),
      readyReplicas: int32(4, 'Pods with a Ready condition.'),
      availableReplicas: int32(5, 'Pods ready for at least minReadySeconds.'),
      terminatingReplicas: int32(7, 'Pods being deleted (alpha).'),
      observedGeneration: int64(3, 'Generation last acted on by the controller.'),
      conditions: conditionsField('ReplicaSetCondition', 6, 'ReplicaSet'),
    },
  },
  [`${APPS}.ReplicaSetCondition`]: condition('ReplicaSet'),

  // ---- StatefulSet -----------------------------------------------------------------
  [`${APPS}.StatefulSet`]: topLevel(
    'StatefulSet',
    'Pods with stable names, network identities and storage.',
    'StatefulSetSpec',
    'StatefulSetStatus',
  ),
  [`${APPS}.StatefulSetList`]: listOf('StatefulSet'),
  [`${APPS}.StatefulSetSpec`]: {
    description: 'Desired pods and storage of a StatefulSet.',
    required: ['selector', 'template'],
    fields: {
      replicas: int32(1, 'Number of desired pods; 1 when unset.'),
      selector: ref(`${META}.LabelSelector`, 2, 'Selects the pods of this set; must match the template labels.'),
      template: ref(POD_TEMPLATE, 3, 'Pods created for each ordinal; restartPolicy must be Always.'),
      volumeClaimTemplates: array(
        item.ref('io.k8s.api.core.v1.PersistentVolumeClaim'),
        4,
        'Claims created per pod and mounted by name in the template.',
        { listType: 'atomic' },
      ),
      serviceName: string(5, 'Headless Service giving the pods their DNS names.'),
      podManagementPolicy: string(6, 'OrderedReady (the default) or Parallel pod creation and deletion.', {
        enum: ['OrderedReady', 'Parallel'],
      }),
      updateStrategy: ref(`${APPS}.StatefulSetUpdateStrategy`, 7, 'How pods are replaced when the template changes.'),
      revisionHistoryLimit: int32(8, 'Revisions kept in history; 10 when unset.'),
      minReadySeconds: int32(9, 'Seconds a new pod must be ready before it counts as available.', { omitZero: true }),
      persistentVolumeClaimRetentionPolicy: ref(
        `${APPS}.StatefulSetPersistentVolumeClaimRetentionPolicy`,
        10,
        'Whether claims from volumeClaimTemplates are deleted with the set or on scale-down.',
      ),
      ordinals: ref(`${APPS}.StatefulSetOrdinals`, 11, 'Numbering of the pod ordinals.'),
    },
  },
  [`${APPS}.StatefulSetUpdateStrategy`]: {
    description: 'How a StatefulSet updates its pods.',
    fields: {
      type: string(1, 'RollingUpdate (the default) or OnDelete.', { enum: ['OnDelete', 'RollingUpdate'] }),
      rollingUpdate: ref(`${APPS}.RollingUpdateStatefulSetStrategy`, 2, 'Rolling update parameters; only with type RollingUpdate.'),
    },
  },
  [`${APPS}.RollingUpdateStatefulSetStrategy`]: {
    description: 'Parameters of a StatefulSet rolling update.',
    fields: {
      partition: int32(1, 'Only ordinals at or above this number are updated; 0 when unset.'),
      maxUnavailable: intOrString(2, 'Pods that may be unavailable during the update (alpha); 1 when unset.'),
    },
  },
  [`${APPS}.StatefulSetPersistentVolumeClaimRetentionPolicy`]: {
    description: 'Lifecycle of the claims created from volumeClaimTemplates.',
    fields: {
      whenDeleted: string(1, 'Retain (the default) or Delete the claims when the StatefulSet is deleted.'),
      whenScaled: string(2, 'Retain (the default) or Delete the claims of pods removed by a scale-down.'),
    },
  },
  [`${APPS}.StatefulSetOrdinals`]: {
    description: 'Numbering of StatefulSet pods.',
    fields: {
      start: int32(1, 'Ordinal of the first pod; 0 when unset.'),
    },
  },
  [`${APPS}.StatefulSetStatus`]: {
    description: 'Observed state of a StatefulSet.',
    required: ['replicas'],
    fields: {
      observedGeneration: int64(1, 'Generation last acted on by the controller.'),
      replicas: int32(2, 'Pods created by the controller.'),
      readyReplicas: int32(3, 'Pods with a Ready condition.'),
      currentReplicas: int32(4, 'Pods created from currentRevision.'),
      updatedReplicas: int32(5, 'Pods created from updateRevision.'),
      currentRevision: string(6, 'Revision used for pods [0, currentReplicas).'),
      updateRevision: string(7, 'Revision used for the newest pods.'),
      collisionCount: int32(9, 'Hash collision counter used to name ControllerRevisions.'),
      conditions: conditionsField('StatefulSetCondition', 10, 'StatefulSet'),
      availableReplicas: int32(11, 'Pods ready for at least minReadySeconds.'),
    },
  },
  [`${APPS}.StatefulSetCondition`]: condition('StatefulSet'),

  // ---- DaemonSet -------------------------------------------------------------------
  [`${APPS}.DaemonSet`]: topLevel('DaemonSet', 'Runs one copy of a pod on every eligible node.', 'DaemonSetSpec', 'DaemonSetStatus'),
  [`${APPS}.DaemonSetList`]: listOf('DaemonSet'),
  [`${APPS}.DaemonSetSpec`]: {
    description: 'Desired pods of a DaemonSet.',
    required: ['selector', 'template'],
    fields: {
      selector: ref(`${META}.LabelSelector`, 1, 'Selects the pods of this DaemonSet; must match the template labels.'),
      template: ref(POD_TEMPLATE, 2, 'Pod run on each matching node; restartPolicy must be Always.'),
      updateStrategy: ref(`${APPS}.DaemonSetUpdateStrategy`, 3, 'How pods are replaced when the template changes.'),
      minReadySeconds: int32(4, 'Seconds a new pod must be ready before it counts as available.', { omitZero: true }),
      revisionHistoryLimit: int32(6, 'Revisions kept for rollback; 10 when unset.'),
    },
  },
  [`${APPS}.DaemonSetUpdateStrategy`]: {
    description: 'How a DaemonSet updates its pods.',
    fields: {
      type: string(1, 'RollingUpdate (the default) or OnDelete.', { enum: ['OnDelete', 'RollingUpdate'] }),
      rollingUpdate: ref(`${APPS}.RollingUpdateDaemonSet`, 2, 'Rolling update parameters; only with type RollingUpdate.'),
    },
  },
  [`${APPS}.RollingUpdateDaemonSet`]: {
    description: 'Limits of a DaemonSet rolling update.',
    fields: {
      maxUnavailable: intOrString(1, 'Nodes whose pod may be down during the update; 1 when unset.'),
      maxSurge: intOrString(2, 'Nodes that may briefly run an old and a new pod together; 0 when unset.'),
    },
  },
  [`${APPS}.DaemonSetStatus`]: {
    description: 'Observed state of a DaemonSet.',
    required: ['currentNumberScheduled', 'numberMisscheduled', 'desiredNumberScheduled', 'numberReady'],
    fields: {
      currentNumberScheduled: int32(1, 'Nodes running the pod that should run it.'),
      numberMisscheduled: int32(2, 'Nodes running the pod that should not run it.'),
      desiredNumberScheduled: int32(3, 'Nodes that should run the pod.'),
      numberReady: int32(4, 'Nodes whose pod is Ready.'),
      observedGeneration: int64(5, 'Generation last acted on by the controller.'),
      updatedNumberScheduled: int32(6, 'Nodes running the current template.'),
      numberAvailable: int32(7, 'Nodes whose pod is available.'),
      numberUnavailable: int32(8, 'Nodes whose pod is not yet available.'),
      collisionCount: int32(9, 'Hash collision counter used to name ControllerRevisions.'),
      conditions: conditionsField('DaemonSetCondition', 10, 'DaemonSet'),
    },
  },
  [`${APPS}.DaemonSetCondition`]: condition('DaemonSet'),

  // ---- ControllerRevision ----------------------------------------------------------
  [`${APPS}.ControllerRevision`]: {
    description: 'An immutable snapshot of a controller template, used for rollback.',
    gvk: [{ group: 'apps', version: 'v1', kind: 'ControllerRevision' }],
    required: ['revision'],
    fields: {
      apiVersion: string(0, 'Versioned schema of this object.'),
      kind: string(0, 'REST resource this object represents.'),
      metadata: ref(`${META}.ObjectMeta`, 1, 'Standard object metadata.'),
      data: any(2, 'The serialized state this revision records.'),
      revision: int64(3, 'Revision number of the recorded state.'),
    },
  },
  [`${APPS}.ControllerRevisionList`]: listOf('ControllerRevision'),
});
