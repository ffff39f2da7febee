// Registers the agent's Node with the API server, or adopts the one already there (an agent
// restart, or a node that went away and came back): the existing object keeps its uid,
// creation time, user labels, taints and spec; only the labels and annotations the agent
// owns are brought up to date, as the kubelet does on re-registration.
import { isDeepStrictEqual } from 'node:util';
import type { KubeObject } from '../../api/resource-type.ts';
import { ApiError, isAlreadyExists, isConflict, isNotFound, isUnauthorized } from '../../client/api-error.ts';
import { type Clock, realClock, sleep } from '../../client/clock.ts';
import { resources } from '../../client/resources.ts';
import type { RestClient } from '../../client/rest-client.ts';

export interface NodeRegistration {
  nodeName: string;
  /** Labels the agent owns: set (and corrected) on every registration. */
  labels: Record<string, string>;
  /** Annotations the agent owns: set on registration. */
  annotations: Record<string, string>;
  /** Annotations the agent owns that no longer apply: removed from an adopted Node. */
  staleAnnotations: string[];
  /** The initial status of a newly created Node (nodes may carry status on create). */
  status: Record<string, unknown>;
  /**
   * The pod range this node's network already serves (isolated mode, once its bridge is up).
   * A Node created again (after `kubectl delete node`) carries it in spec.podCIDR(s), as long
   * as no other Node holds it: the node IPAM controller keeps a range a Node already has, so
   * the Node's podCIDR stays the range the bridge and its pods use.
   */
  podCidr?: () => string | undefined;
}

export interface RegistrationResult {
  node: KubeObject;
  /** False when an existing Node was adopted. */
  created: boolean;
  /** Something the agent should log: the Node was taken over from an agent that does not fence itself. */
  warning?: string;
}

const MAX_CONFLICT_RETRIES = 5;

/** Set by the agent on its Node: which agent (data dir) holds the name. */
export const AGENT_ID_ANNOTATION = 'hale.dev/agent-id';

/** Another agent, still renewing the node's Lease, already holds this node name. */
export class NodeNameInUseError extends Error {}

/** The first registration failed in a way that no retry can fix (credentials, CA, an invalid Node). */
export class RegistrationRefusedError extends Error {}

/** Certificate verification failures: the server's certificate does not chain to --ca-file (or the name does not match). */
const CERTIFICATE_ERRORS = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/**
 * Why `err` cannot go away by retrying, or undefined when it may (network errors, timeouts,
 * 5xx, 429, conflicts; an expired certificate too, since it may be renewed): a rejected token
 * (401), a server certificate that does not verify, a Node the API server finds invalid
 * (400, 422: a bad --node-name or label).
 */
export function permanentRegistrationError(err: unknown): string | undefined {
  if (isUnauthorized(err)) return `the API server rejected the agent's credentials (check --token): ${errorMessage(err)}`;
  if (err instanceof ApiError && (err.status.code === 422 || err.status.code === 400)) {
    return `the API server rejected the Node (check --node-name and --node-labels): ${errorMessage(err)}`;
  }
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && CERTIFICATE_ERRORS.has(code)) {
      return `the API server's certificate does not verify (check --ca-file and --server): ${errorMessage(e)}`;
    }
  }
  return undefined;
}

function errorMessage(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0];
}

/**
 * The previous agent of this node name (another data dir) stopped renewing, but its pods may
 * still run until it has fenced itself: registration waits until then (`retryAfterMs`).
 */
export class PreviousAgentNotFencedError extends Error {
  constructor(
    message: string,
    readonly retryAfterMs: number,
  ) {
    super(message);
  }
}

/** The fencing timeout the previous agent published on its Node (see node-agent.ts). */
const FENCING_TIMEOUT_ANNOTATION = 'hale.dev/fencing-timeout-seconds';

/**
 * Refuses to adopt a Node held by a different agent whose Lease is still live: two agents
 * under one name would fight over the node's pods. The same agent restarting (same data dir,
 * same id) and a node whose agent is gone (Lease expired) are adopted; the answer is a warning
 * when that agent does not fence itself on silence (its pods may still run).
 */
async function checkNotHeldByAnotherAgent(
  client: RestClient,
  existing: KubeObject,
  reg: NodeRegistration,
  signal: AbortSignal | undefined,
  now: number,
): Promise<string | undefined> {
  const ours = reg.annotations[AGENT_ID_ANNOTATION];
  const theirs = existing.metadata?.annotations?.[AGENT_ID_ANNOTATION];
  if (!ours || !theirs || ours === theirs) return undefined;
  let lease: KubeObject;
  try {
    lease = await client.get(resources.leases, 'kube-node-lease', reg.nodeName, { signal });
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
  const renewed = Date.parse(lease.spec?.renewTime ?? '');
  const durationMs = Number(lease.spec?.leaseDurationSeconds ?? 40) * 1000;
  const ageMs = now - renewed;
  if (Number.isNaN(renewed)) return undefined;
  if (ageMs > durationMs) {
    // Its Lease expired, but its containers run until it fences itself (its watchdog does so
    // even when it is frozen): running the node's pods here before then would run them twice.
    const fencingMs = Number(existing.metadata?.annotations?.[FENCING_TIMEOUT_ANNOTATION] ?? 0) * 1000;
    const waitMs = renewed + durationMs + fencingMs - now;
    if (!(fencingMs > 0)) {
      // Nothing bounds how long they run: it stops them when it learns it was replaced.
      return (
        `took node "${reg.nodeName}" over from another agent (${theirs}) whose lease expired ${(ageMs / 1000).toFixed(1)}s ago and which does not fence itself ` +
        '(--fencing-timeout 0): its pods may still run on its machine until it reaches the API server again and stops them'
      );
    }
    if (waitMs <= 0) return undefined;
    throw new PreviousAgentNotFencedError(
      `node "${reg.nodeName}" was held by another agent until ${(ageMs / 1000).toFixed(1)}s ago; its pods may run until it fences itself: ` +
        `taking the name over in ${(waitMs / 1000).toFixed(1)}s`,
      waitMs,
    );
  }
  throw new NodeNameInUseError(
    `node "${reg.nodeName}" is already registered by another live agent (its lease was renewed ${(Math.max(ageMs, 0) / 1000).toFixed(1)}s ago); ` +
      'stop that agent, wait for its lease to expire, or choose another --node-name',
  );
}

/** Creates the Node, or adopts and reconciles the existing one. */
export async function registerNode(
  client: RestClient,
  reg: NodeRegistration,
  signal?: AbortSignal,
  now: () => number = Date.now,
): Promise<RegistrationResult> {
  const fresh: KubeObject = {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: reg.nodeName, labels: { ...reg.labels }, annotations: { ...reg.annotations } },
    spec: {},
    status: reg.status,
  };
  if (Object.keys(reg.annotations).length === 0) delete fresh.metadata!.annotations;
  const podCidr = await freePodCidr(client, reg, signal);
  if (podCidr) fresh.spec = { podCIDR: podCidr, podCIDRs: [podCidr] };
  try {
    return { node: await client.create(resources.nodes, undefined, fresh, { signal }), created: true };
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
  }
  let warning: string | undefined;
  for (let attempt = 0; ; attempt++) {
    const existing = await client.get(resources.nodes, undefined, reg.nodeName, { signal });
    if (attempt === 0) warning = await checkNotHeldByAnotherAgent(client, existing, reg, signal, now());
    const reconciled = reconcileOwnedMetadata(existing, reg);
    if (!reconciled) return { node: existing, created: false, ...(warning ? { warning } : {}) };
    try {
      return { node: await client.update(resources.nodes, reconciled, { signal }), created: false, ...(warning ? { warning } : {}) };
    } catch (err) {
      if (!isConflict(err) || attempt >= MAX_CONFLICT_RETRIES) throw err;
    }
  }
}

/**
 * The range the node's network serves, when no other Node holds it. Another Node may have been
 * given it while this one was deleted: then the Node is created without one, the IPAM controller
 * picks another, and the pod network reports the mismatch (node-pod-network.ts).
 */
async function freePodCidr(client: RestClient, reg: NodeRegistration, signal: AbortSignal | undefined): Promise<string | undefined> {
  const podCidr = reg.podCidr?.();
  if (!podCidr) return undefined;
  const nodes = await client.list(resources.nodes, undefined, { signal });
  const holder = nodes.items.find(
    (n) => n.metadata?.name !== reg.nodeName && (n.spec?.podCIDR === podCidr || (n.spec?.podCIDRs ?? []).includes(podCidr)),
  );
  return holder ? undefined : podCidr;
}

/** A copy of `node` with the agent's labels and annotations applied, or undefined when nothing changes. */
export function reconcileOwnedMetadata(node: KubeObject, reg: NodeRegistration): KubeObject | undefined {
  const copy = structuredClone(node);
  copy.metadata ??= {};
  const meta = copy.metadata;
  meta.labels = { ...(meta.labels ?? {}), ...reg.labels };
  const annotations: Record<string, string> = { ...(meta.annotations ?? {}), ...reg.annotations };
  for (const key of reg.staleAnnotations) delete annotations[key];
  if (Object.keys(annotations).length > 0 || meta.annotations) meta.annotations = annotations;
  const changed =
    !isDeepStrictEqual(meta.labels, node.metadata?.labels ?? {}) || !isDeepStrictEqual(annotations, node.metadata?.annotations ?? {});
  return changed ? copy : undefined;
}

/**
 * registerNode until it succeeds: the API server may not be up yet when a remote agent starts.
 * Waits 100 ms after the first failure, doubling up to 7 s, as the kubelet does.
 */
export async function registerNodeWithRetry(
  client: RestClient,
  reg: NodeRegistration,
  opts: {
    signal?: AbortSignal;
    clock?: Clock;
    onError?: (err: unknown) => void;
    /** Throw a RegistrationRefusedError on a permanent error (permanentRegistrationError) instead of retrying. */
    failOnPermanentErrors?: boolean;
  } = {},
): Promise<RegistrationResult> {
  const clock = opts.clock ?? realClock;
  let waitMs = 100;
  for (;;) {
    try {
      return await registerNode(client, reg, opts.signal, () => clock.now());
    } catch (err) {
      if (opts.signal?.aborted || err instanceof NodeNameInUseError) throw err;
      const permanent = opts.failOnPermanentErrors ? permanentRegistrationError(err) : undefined;
      if (permanent) throw new RegistrationRefusedError(`cannot register node "${reg.nodeName}": ${permanent}`, { cause: err });
      opts.onError?.(err);
      if (err instanceof PreviousAgentNotFencedError) {
        await sleep(clock, Math.min(err.retryAfterMs + 100, 7000), opts.signal);
        continue;
      }
    }
    await sleep(clock, waitMs, opts.signal);
    waitMs = Math.min(waitMs * 2, 7000);
  }
}
