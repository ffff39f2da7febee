// Schema of the shared apimachinery types: object and list metadata, owner references,
// label selectors, conditions, delete options and the Status error object.
// Field numbers follow k8s.io/apimachinery/pkg/apis/meta/v1/generated.proto.
import { any, array, bool, int32, int64, item, map, ref, string, time } from '../schema/dsl.ts';
import { registerDefinitions } from '../schema/registry.ts';
import type { Definitions } from '../schema/types.ts';

export const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';

// Time, MicroTime, Quantity, IntOrString and RawExtension are JSON scalars (or free-form JSON),
// not objects: fields use the dsl's time()/microTime()/quantity()/intOrString()/any(), and the
// OpenAPI generator publishes those names itself, so they are not registered here.

const definitions: Definitions = {
  [`${META}.ObjectMeta`]: {
    description: 'Metadata every persisted object carries: identity, labels, annotations, ownership and lifecycle.',
    fields: {
      name: string(1, 'Unique name within the namespace; cannot be changed after creation.'),
      generateName: string(2, 'Prefix the server extends with a random suffix when name is left empty.'),
      namespace: string(3, 'Namespace the object lives in; empty for cluster-scoped objects.'),
      selfLink: string(4, 'Deprecated; no longer filled in by the server.'),
      uid: string(5, 'Unique identifier assigned by the server at creation.'),
      resourceVersion: string(6, 'Opaque version of this object, used for optimistic concurrency and watches.'),
      generation: int64(7, 'Counter of changes to the desired state, kept by the server.', { omitZero: true }),
      creationTimestamp: time(8, 'When the server created the object.'),
      deletionTimestamp: time(9, 'When graceful deletion was requested; set by the server.'),
      deletionGracePeriodSeconds: int64(10, 'Seconds the object is given to terminate once deletion was requested.'),
      labels: map(item.string, 11, 'Key/value pairs used to organise and select objects.'),
      annotations: map(item.string, 12, 'Key/value pairs for tools and people; not used for selection.'),
      ownerReferences: array(
        item.ref(`${META}.OwnerReference`),
        13,
        'Objects this one depends on; when all are gone it is garbage collected.',
        {
          patchStrategy: 'merge',
          patchMergeKey: 'uid',
          listType: 'map',
          listMapKeys: ['uid'],
        },
      ),
      finalizers: array(item.string, 14, 'Tokens that must all be removed before the object is really deleted.', {
        patchStrategy: 'merge',
        listType: 'set',
      }),
      managedFields: array(
        item.ref(`${META}.ManagedFieldsEntry`),
        17,
        'Which field manager owns which fields (server-side apply bookkeeping).',
        {
          listType: 'atomic',
        },
      ),
    },
  },

  [`${META}.ListMeta`]: {
    description: 'Metadata of a list response.',
    fields: {
      selfLink: string(1, 'Deprecated; no longer filled in by the server.'),
      resourceVersion: string(2, 'Version of the collection at the time of the list; start a watch from here.'),
      continue: string(3, 'Token to fetch the next page when the list was limited.'),
      remainingItemCount: int64(4, 'Estimated number of items not yet returned, when known.'),
    },
  },

  [`${META}.OwnerReference`]: {
    description: 'Identifies an object that owns this one, in the same namespace or cluster-scoped.',
    required: ['apiVersion', 'kind', 'name', 'uid'],
    fields: {
      apiVersion: string(5, 'API version of the owner.'),
      kind: string(1, 'Kind of the owner.'),
      name: string(3, 'Name of the owner.'),
      uid: string(4, 'UID of the owner.'),
      controller: bool(6, 'True when the owner is the managing controller of this object.'),
      blockOwnerDeletion: bool(7, 'When true, foreground deletion of the owner waits for this object to go.'),
    },
  },

  [`${META}.ManagedFieldsEntry`]: {
    description: 'The set of fields one manager owns, for one API version.',
    fields: {
      manager: string(1, 'Name of the field manager.'),
      operation: string(2, 'Apply or Update.'),
      apiVersion: string(3, 'API version the field set is expressed in.'),
      time: time(4, 'When this entry last changed.'),
      fieldsType: string(6, 'Format of fieldsV1; only "FieldsV1" exists.'),
      fieldsV1: any(7, 'Trie of owned field paths, in the FieldsV1 JSON format.'),
      subresource: string(8, 'Subresource the change came through, empty for the main resource.'),
    },
  },

  [`${META}.LabelSelector`]: {
    description: 'A label query: all matchLabels and matchExpressions must hold. Empty matches everything; absent matches nothing.',
    fields: {
      matchLabels: map(item.string, 1, 'Exact key=value pairs, each like an In expression with one value.'),
      matchExpressions: array(item.ref(`${META}.LabelSelectorRequirement`), 2, 'Set-based requirements, all ANDed.', {
        listType: 'atomic',
      }),
    },
  },

  [`${META}.LabelSelectorRequirement`]: {
    description: 'One set-based label requirement: key, operator and values.',
    required: ['key', 'operator'],
    fields: {
      key: string(1, 'Label key the requirement applies to.'),
      operator: string(2, 'In, NotIn, Exists or DoesNotExist.'),
      values: array(item.string, 3, 'Values for In/NotIn (non-empty); must be empty for Exists/DoesNotExist.', { listType: 'atomic' }),
    },
  },

  [`${META}.Condition`]: {
    description: 'One aspect of an object state, as reported in status.conditions.',
    required: ['type', 'status', 'lastTransitionTime', 'reason', 'message'],
    fields: {
      type: string(1, 'Condition type in CamelCase, optionally domain-prefixed.'),
      status: string(2, 'True, False or Unknown.'),
      observedGeneration: int64(3, 'metadata.generation the condition was computed from.'),
      lastTransitionTime: time(4, 'When the status last changed.'),
      reason: string(5, 'CamelCase machine-readable cause of the last change.'),
      message: string(6, 'Human-readable detail; may be empty.'),
    },
  },

  [`${META}.DeleteOptions`]: {
    description: 'Options of a delete request.',
    gvk: [{ group: '', version: 'v1', kind: 'DeleteOptions' }],
    fields: {
      apiVersion: string(0, 'Versioned schema of this object.'),
      kind: string(0, 'REST resource this object represents.'),
      gracePeriodSeconds: int64(1, 'Seconds to wait before deleting; 0 deletes at once, unset uses the kind default.'),
      preconditions: ref(`${META}.Preconditions`, 2, 'Must hold for the delete to go ahead, or a 409 Conflict is returned.'),
      orphanDependents: bool(3, 'Deprecated; use propagationPolicy. True orphans the dependents.'),
      propagationPolicy: string(4, 'Orphan, Background or Foreground garbage collection of dependents.'),
      dryRun: array(item.string, 5, '"All" runs every stage without persisting.', { listType: 'atomic' }),
      ignoreStoreReadErrorWithClusterBreakingPotential: bool(6, 'Deletes an object that cannot be decoded from storage; dangerous.'),
    },
  },

  [`${META}.Preconditions`]: {
    description: 'Conditions that must hold before an operation is carried out.',
    fields: {
      uid: string(1, 'The object must have this UID.'),
      resourceVersion: string(2, 'The object must be at this resource version.'),
    },
  },

  [`${META}.Status`]: {
    description: 'Result of an operation that returns no object, typically an error.',
    gvk: [{ group: '', version: 'v1', kind: 'Status' }],
    fields: {
      apiVersion: string(0, 'Versioned schema of this object.'),
      kind: string(0, 'REST resource this object represents.'),
      metadata: ref(`${META}.ListMeta`, 1, 'Standard list metadata.'),
      status: string(2, 'Success or Failure.'),
      message: string(3, 'Human-readable description of the outcome.'),
      reason: string(4, 'Machine-readable reason for a Failure, e.g. NotFound or Invalid.'),
      details: ref(`${META}.StatusDetails`, 5, 'Extra data about the reason.'),
      code: int32(6, 'Suggested HTTP status code.'),
    },
  },

  [`${META}.StatusDetails`]: {
    description: 'Extra data about a Status reason.',
    fields: {
      name: string(1, 'Name of the resource concerned.'),
      group: string(2, 'API group of the resource concerned.'),
      kind: string(3, 'Kind of the resource concerned.'),
      uid: string(6, 'UID of the resource concerned.'),
      causes: array(item.ref(`${META}.StatusCause`), 4, 'Individual causes, e.g. one per invalid field.', { listType: 'atomic' }),
      retryAfterSeconds: int32(5, 'Seconds to wait before retrying.'),
    },
  },

  [`${META}.StatusCause`]: {
    description: 'One cause of a failed operation.',
    fields: {
      reason: string(1, 'Machine-readable cause, e.g. FieldValueInvalid.'),
      message: string(2, 'Human-readable description of the cause.'),
      field: string(3, 'Path of the offending field, e.g. spec.containers[0].image.'),
    },
  },
};

registerDefinitions(definitions);
