// Applies a SlicePlan through the API, recording each write in the SliceTracker so the next
// reconcile sees it even before the informer does. Shared by the EndpointSlice controller
// and the mirroring controller.
import type { KubeObject } from '../../api/resource-type.ts';
import { isNotFound } from '../../client/api-error.ts';
import { resources } from '../../client/resources.ts';
import type { RestClient } from '../../client/rest-client.ts';
import type { SlicePlan } from './desired-slices.ts';
import type { SliceTracker } from './slice-tracker.ts';

export class SliceWriter {
  constructor(
    private readonly client: RestClient,
    readonly tracker: SliceTracker,
  ) {}

  /** Creates and updates first and deletes last, so no endpoint is ever missing while it moves between slices. */
  async apply(ownerKey: string, namespace: string, plan: SlicePlan): Promise<void> {
    for (const slice of plan.create) this.tracker.written(ownerKey, await this.client.create(resources.endpointSlices, namespace, slice));
    for (const slice of plan.update) {
      try {
        this.tracker.written(ownerKey, await this.client.update(resources.endpointSlices, slice));
      } catch (err) {
        if (isNotFound(err)) this.tracker.deleted(ownerKey, slice);
        throw err;
      }
    }
    for (const slice of plan.delete) await this.delete(ownerKey, slice);
  }

  async delete(ownerKey: string, slice: KubeObject): Promise<void> {
    try {
      await this.client.delete(resources.endpointSlices, slice.metadata?.namespace, slice.metadata?.name, {
        preconditions: { uid: slice.metadata?.uid },
      });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    this.tracker.deleted(ownerKey, slice);
  }
}
