// Schema of events.k8s.io/v1 Event, the newer view of core/v1 Events (both share one
// stored form). Field numbers follow k8s.io/api/events/v1/generated.proto.
import { array, int32, item, microTime, ref, string, time } from '../schema/dsl.ts';
import { registerDefinitions } from '../schema/registry.ts';

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';
const EVENTS = 'io.k8s.api.events.v1';
const CORE = 'io.k8s.api.core.v1';

registerDefinitions({
  [`${EVENTS}.Event`]: {
    description: 'A report of something that happened to an object in the cluster.',
    gvk: [{ group: 'events.k8s.io', version: 'v1', kind: 'Event' }],
    required: ['eventTime'],
    fields: {
      apiVersion: string(0, 'Versioned schema of this object; the server may convert to its own.'),
      kind: string(0, 'REST resource this object represents, in CamelCase.'),
      metadata: ref(`${META}.ObjectMeta`, 1, 'Standard object metadata.'),
      eventTime: microTime(2, 'When the event was first observed; required.'),
      series: ref(`${EVENTS}.EventSeries`, 3, 'Repetitions of this event; unset for a single occurrence.'),
      reportingController: string(4, 'Controller that emitted the event, e.g. kubernetes.io/kubelet.'),
      reportingInstance: string(5, 'Instance of that controller, e.g. kubelet-node1; at most 128 characters.'),
      action: string(6, 'What was done or attempted; at most 128 characters.'),
      reason: string(7, 'Why it was done; at most 128 characters.'),
      regarding: ref(`${CORE}.ObjectReference`, 8, 'The object the event is about.'),
      related: ref(`${CORE}.ObjectReference`, 9, 'A secondary object involved.'),
      note: string(10, 'Human-readable description; at most 1kB.'),
      type: string(11, 'Normal or Warning.'),
      deprecatedSource: ref(`${CORE}.EventSource`, 12, 'The core/v1 source, kept for compatibility.'),
      deprecatedFirstTimestamp: time(13, 'The core/v1 firstTimestamp, kept for compatibility.'),
      deprecatedLastTimestamp: time(14, 'The core/v1 lastTimestamp, kept for compatibility.'),
      deprecatedCount: int32(15, 'The core/v1 count, kept for compatibility.'),
    },
  },
  [`${EVENTS}.EventList`]: {
    description: 'A list of Event objects.',
    gvk: [{ group: 'events.k8s.io', version: 'v1', kind: 'EventList' }],
    required: ['items'],
    fields: {
      apiVersion: string(0, 'Versioned schema of this list.'),
      kind: string(0, 'REST resource this list represents.'),
      metadata: ref(`${META}.ListMeta`, 1, 'Standard list metadata.'),
      items: array(item.ref(`${EVENTS}.Event`), 2, 'The events.'),
    },
  },
  [`${EVENTS}.EventSeries`]: {
    description: 'How often an event has repeated.',
    required: ['count', 'lastObservedTime'],
    fields: {
      count: int32(1, 'Occurrences up to the last heartbeat.'),
      lastObservedTime: microTime(2, 'When the last occurrence was seen.'),
    },
  },
});
