// A controller's write to a pod's status (a DisruptionTarget condition, a final phase) that
// must survive conflicts with the agent's own status writes: re-read and try again.
import type { KubeObject } from '../api/resource-type.ts';
import { isConflict, isNotFound } from '../client/api-error.ts';
import { resources } from '../client/resources.ts';
import type { RestClient } from '../client/rest-client.ts';

const MAX_ATTEMPTS = 5;

/**
 * Writes the status `change` makes of the pod, reading it again after a conflict. `change`
 * returns the pod to write, or undefined when the pod already is as wanted. True when the pod
 * has the change; false when it is gone or was replaced by another of the same name (uid).
 */
export async function changePodStatus(
  client: RestClient,
  pod: KubeObject,
  change: (current: KubeObject) => KubeObject | undefined,
): Promise<boolean> {
  const { namespace, name, uid } = pod.metadata ?? {};
  let current = pod;
  for (let attempt = 1; ; attempt++) {
    if (current.metadata?.uid !== uid) return false;
    const changed = change(current);
    if (!changed) return true;
    try {
      await client.updateStatus(resources.pods, changed);
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      if (!isConflict(err) || attempt >= MAX_ATTEMPTS) throw err;
    }
    try {
      current = await client.get(resources.pods, namespace, name);
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }
}
