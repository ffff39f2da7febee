// Schema of coordination.k8s.io/v1 Lease, used for node heartbeats and leader election.
// Field numbers follow k8s.io/api/coordination/v1/generated.proto.
import { array, int32, item, microTime, ref, string } from '../schema/dsl.ts';
import { registerDefinitions } from '../schema/registry.ts';

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';
const COORDINATION = 'io.k8s.api.coordination.v1';

registerDefinitions({
  [`${COORDINATION}.Lease`]: {
    description: 'A lease held by one holder at a time, renewed to show liveness.',
    gvk: [{ group: 'coordination.k8s.io', version: 'v1', kind: 'Lease' }],
    fields: {
      apiVersion: string(0, 'Versioned schema of this object; the server may convert to its own.'),
      kind: string(0, 'REST resource this object represents, in CamelCase.'),
      metadata: ref(`${META}.ObjectMeta`, 1, 'Standard object metadata.'),
      spec: ref(`${COORDINATION}.LeaseSpec`, 2, 'Holder and timing of the lease.'),
    },
  },
  [`${COORDINATION}.LeaseList`]: {
    description: 'A list of Lease objects.',
    gvk: [{ group: 'coordination.k8s.io', version: 'v1', kind: 'LeaseList' }],
    required: ['items'],
    fields: {
      apiVersion: string(0, 'Versioned schema of this list.'),
      kind: string(0, 'REST resource this list represents.'),
      metadata: ref(`${META}.ListMeta`, 1, 'Standard list metadata.'),
      items: array(item.ref(`${COORDINATION}.Lease`), 2, 'The leases.'),
    },
  },
  [`${COORDINATION}.LeaseSpec`]: {
    description: 'Holder and timing of a lease.',
    fields: {
      holderIdentity: string(1, 'Identity of the current holder.'),
      leaseDurationSeconds: int32(2, 'Seconds after the last renewal before others may take the lease.'),
      acquireTime: microTime(3, 'When the current holder acquired the lease.'),
      renewTime: microTime(4, 'When the holder last renewed the lease.'),
      leaseTransitions: int32(5, 'How many times the lease changed holders.'),
      strategy: string(6, 'Strategy for coordinated leader election (alpha).'),
      preferredHolder: string(7, 'A better holder the current one should yield to (alpha).'),
    },
  },
});
