// Lifecycle hooks (postStart, preStop): exec, httpGet, tcpSocket (deprecated) and sleep handlers.
import type { KubeObject } from '../../api/resource-type.ts';

export interface HookContext {
  pod: KubeObject;
  container: KubeObject;
  containerId: string;
  podIP: string;
}

export interface HookResult {
  ok: boolean;
  /** Why it failed, for the FailedPostStartHook / FailedPreStopHook event. */
  message: string;
}

export type HookRunner = (handler: KubeObject, ctx: HookContext, timeoutMs: number) => Promise<HookResult>;
