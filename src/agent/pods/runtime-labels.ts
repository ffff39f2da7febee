// Labels and annotations the agent puts on sandboxes and containers so that the runtime itself
// remembers which pod and container spec a container belongs to. A restarted agent rebuilds
// its whole view (restart counts, termination message files) from them, as the kubelet does.
import type { KeyValueMap } from '../runtime/runtime.ts';

export const POD_UID_LABEL = 'io.kubernetes.pod.uid';
export const POD_NAME_LABEL = 'io.kubernetes.pod.name';
export const POD_NAMESPACE_LABEL = 'io.kubernetes.pod.namespace';
export const CONTAINER_NAME_LABEL = 'io.kubernetes.container.name';

export const TERMINATION_MESSAGE_PATH_ANNOTATION = 'io.kubernetes.container.terminationMessagePath';
export const TERMINATION_MESSAGE_POLICY_ANNOTATION = 'io.kubernetes.container.terminationMessagePolicy';
/** Where the agent keeps the file mounted at terminationMessagePath. */
export const TERMINATION_MESSAGE_HOST_PATH_ANNOTATION = 'hale.dev/termination-message-host-path';
/** "init" for init containers (sidecars included), "ephemeral" for debug containers, "app" otherwise. */
export const CONTAINER_KIND_ANNOTATION = 'hale.dev/container-kind';

export type ContainerKind = 'init' | 'app' | 'ephemeral';

export function podLabels(pod: { metadata?: Record<string, any> }): KeyValueMap {
  const meta = pod.metadata ?? {};
  return {
    [POD_UID_LABEL]: String(meta.uid ?? ''),
    [POD_NAME_LABEL]: String(meta.name ?? ''),
    [POD_NAMESPACE_LABEL]: String(meta.namespace ?? ''),
  };
}

export function containerKindOf(annotations: KeyValueMap | undefined): ContainerKind {
  const kind = annotations?.[CONTAINER_KIND_ANNOTATION];
  return kind === 'init' || kind === 'ephemeral' ? kind : 'app';
}
