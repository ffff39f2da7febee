// A container's environment, resolved the way the kubelet does it (makeEnvironmentVariables):
//  1. envFrom sources in order (ConfigMap data / Secret data, with their prefix);
//  2. env entries in order: `value` with $(VAR) expansion against what is defined so far and
//     the Service variables, or valueFrom (configMapKeyRef, secretKeyRef, fieldRef,
//     resourceFieldRef); a later definition replaces an earlier one;
//  3. Service link variables not already defined.
// A missing non-optional ConfigMap/Secret or key throws with the kubelet's message; the pod
// worker reports it as CreateContainerConfigError.
//
// Kubernetes sets no POD_IP-style variables of its own; under the process runtime the
// runtime adds HOSTNAME (the pod's hostname) and, where documented, the pod's address.
import type { KubeObject } from '../../api/resource-type.ts';
import type { RestClient } from '../../client/rest-client.ts';
import type { EventRecorder } from '../../controllers/framework/event-recorder.ts';
import type { EnvVar } from '../pods/expand-vars.ts';
import type { ResolveEnv } from '../pods/pod-sync.ts';
import { type ConfigKind, ConfigObjectNotFound, ConfigObjects, secretEntries } from '../volumes/config-objects.ts';
import { expand, mappingFor } from './expansion.ts';
import { containerResourceValue, podFieldValue } from './field-ref.ts';
import { ServiceEnvSource } from './service-env.ts';

type Json = Record<string, any>;

export interface ResolvedEnv {
  env: EnvVar[];
  /** Event messages for envFrom keys that cannot be environment variable names (InvalidEnvironmentVariableNames). */
  warnings: string[];
}

export interface ContainerEnvOptions {
  /** Shared ConfigMap/Secret reader (and its cache); a fresh uncached one by default. */
  objects?: ConfigObjects;
  /** Service lister (and its cache); a fresh one by default. */
  services?: ServiceEnvSource;
}

/**
 * Names a process environment cannot carry. Since RelaxedEnvironmentVariableValidation
 * (default on from Kubernetes 1.32) the kubelet accepts any other name from envFrom.
 */
function isUnusableEnvName(name: string): boolean {
  return name === '' || name.includes('=') || name.includes('\0');
}

export async function resolveContainerEnv(
  client: RestClient,
  pod: KubeObject,
  container: KubeObject,
  node: KubeObject | undefined,
  opts: ContainerEnvOptions = {},
): Promise<ResolvedEnv> {
  const objects = opts.objects ?? new ConfigObjects(client, { ttlMs: 0 });
  const services = opts.services ?? new ServiceEnvSource(client, 0);
  const namespace: string = pod.metadata?.namespace ?? 'default';
  const warnings: string[] = [];

  const serviceEnv = new Map<string, string>();
  for (const e of await services.envFor(pod)) serviceEnv.set(e.name, e.value);

  // One read per referenced object, as the kubelet memoizes them per call; undefined = absent.
  const seen = new Map<string, KubeObject | undefined>();
  const lookup = async (kind: ConfigKind, name: string): Promise<KubeObject | undefined> => {
    const key = `${kind}/${name}`;
    if (!seen.has(key)) seen.set(key, await objects.find(kind, namespace, name));
    return seen.get(key);
  };
  const required = async (kind: ConfigKind, name: string, optional: boolean): Promise<KubeObject | undefined> => {
    const obj = await lookup(kind, name);
    if (!obj && !optional) throw new ConfigObjectNotFound(kind, name);
    return obj;
  };

  const env = new Map<string, string>();
  for (const source of listOf(container.envFrom)) {
    const prefix: string = source.prefix ?? '';
    const ref: Json | undefined = source.configMapRef ?? source.secretRef;
    if (!ref) continue;
    const kind: ConfigKind = source.configMapRef ? 'configmap' : 'secret';
    const obj = await required(kind, ref.name, ref.optional === true);
    if (!obj) continue;
    const entries: [string, string][] =
      kind === 'configmap'
        ? Object.entries<string>(obj.data ?? {}).map(([k, v]) => [k, String(v ?? '')])
        : [...secretEntries(obj)].map(([k, v]) => [k, v.toString('utf8')]);
    const invalid: string[] = [];
    // Sorted, as Kubernetes serializes maps, so that the result does not depend on storage order.
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    for (const [key, value] of entries) {
      const name = prefix + key;
      if (isUnusableEnvName(name)) invalid.push(name);
      else env.set(name, value);
    }
    if (invalid.length > 0) {
      const what = kind === 'configmap' ? 'configMap' : 'secret';
      warnings.push(
        `Keys [${invalid.sort().join(', ')}] from the EnvFrom ${what} ${namespace}/${ref.name} were skipped since they are considered invalid environment variable names.`,
      );
    }
  }

  const mapping = mappingFor(env, serviceEnv);
  for (const entry of listOf(container.env)) {
    const value = await envValue(entry, { pod, container, node, namespace, mapping, required });
    if (value !== undefined) env.set(entry.name, value);
  }

  const out: EnvVar[] = [...env].map(([name, value]) => ({ name, value }));
  for (const [name, value] of serviceEnv) if (!env.has(name)) out.push({ name, value });
  return { env: out, warnings };
}

interface EnvContext {
  pod: KubeObject;
  container: KubeObject;
  node: KubeObject | undefined;
  namespace: string;
  mapping: (name: string) => string;
  required: (kind: ConfigKind, name: string, optional: boolean) => Promise<KubeObject | undefined>;
}

/** One env entry's value; undefined when an optional source is missing (the variable is left out). */
async function envValue(entry: Json, ctx: EnvContext): Promise<string | undefined> {
  const literal = entry.value == null ? '' : String(entry.value);
  const from: Json | undefined = entry.valueFrom;
  if (literal !== '' || !from) return expand(literal, ctx.mapping);
  if (from.fieldRef) return podFieldValue(ctx.pod, from.fieldRef, ctx.node);
  if (from.resourceFieldRef) return containerResourceValue(ctx.pod, ctx.container, from.resourceFieldRef, ctx.node);
  const ref: Json | undefined = from.configMapKeyRef ?? from.secretKeyRef;
  if (!ref) return '';
  const kind: ConfigKind = from.configMapKeyRef ? 'configmap' : 'secret';
  const optional = ref.optional === true;
  const obj = await ctx.required(kind, ref.name, optional);
  if (!obj) return undefined;
  const value = kind === 'configmap' ? obj.data?.[ref.key] : secretEntries(obj).get(ref.key)?.toString('utf8');
  if (value === undefined) {
    if (optional) return undefined;
    const kindName = kind === 'configmap' ? 'ConfigMap' : 'Secret';
    throw new Error(`couldn't find key ${ref.key} in ${kindName} ${ctx.namespace}/${ref.name}`);
  }
  return String(value);
}

function listOf(value: unknown): Json[] {
  return Array.isArray(value) ? value : [];
}

/**
 * The agent's ResolveEnv: full resolution with shared caches, recording an
 * InvalidEnvironmentVariableNames event for skipped envFrom keys.
 */
export function containerEnvResolver(client: RestClient, opts: { recorder?: EventRecorder; objects?: ConfigObjects } = {}): ResolveEnv {
  const objects = opts.objects ?? new ConfigObjects(client);
  const services = new ServiceEnvSource(client);
  return async (pod, container, node) => {
    const { env, warnings } = await resolveContainerEnv(client, pod, container, node, { objects, services });
    for (const message of warnings) opts.recorder?.warning(pod, 'InvalidEnvironmentVariableNames', message);
    return env;
  };
}
