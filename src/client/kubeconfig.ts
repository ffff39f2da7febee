// Reads a kubeconfig file the way kubectl does for the parts Hale needs: the current
// context's cluster (server URL, CA, TLS verification) and user (bearer token).
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, isAbsolute, join, resolve } from 'node:path';
import { parse } from 'yaml';

/** Everything a RestClient needs to reach and authenticate to an API server. */
export interface ClientConfig {
  /** Base URL, e.g. "https://127.0.0.1:6443". */
  server: string;
  /** PEM bundle of CAs trusted for the server's certificate. */
  caPem?: string;
  /** Bearer token sent as `Authorization: Bearer …`. */
  token?: string;
  insecureSkipTLSVerify?: boolean;
  /** Client certificate authentication (PEM), when the kubeconfig uses it. */
  clientCertPem?: string;
  clientKeyPem?: string;
}

export interface LoadKubeconfigOptions {
  /** Use this context instead of current-context. */
  context?: string;
}

/** The file kubectl would read: the first entry of $KUBECONFIG, else ~/.kube/config. */
export function defaultKubeconfigPath(env: NodeJS.ProcessEnv = process.env): string {
  const first = env.KUBECONFIG?.split(delimiter).find((p) => p.trim() !== '');
  return first ?? join(homedir(), '.kube', 'config');
}

export function loadKubeconfig(path = defaultKubeconfigPath(), opts: LoadKubeconfigOptions = {}): ClientConfig {
  const text = readFileSync(path, 'utf8');
  return parseKubeconfig(text, dirname(resolve(path)), opts);
}

/** Parses kubeconfig YAML; relative file references are resolved against baseDir. */
export function parseKubeconfig(text: string, baseDir: string, opts: LoadKubeconfigOptions = {}): ClientConfig {
  const doc = parse(text) ?? {};
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new Error('kubeconfig: not a YAML mapping');

  const contextName = opts.context ?? doc['current-context'];
  if (!contextName) throw new Error('kubeconfig: no current-context is set');
  const namedContext = findNamed(doc.contexts, contextName, 'context');
  if (!namedContext) throw new Error(`kubeconfig: context "${contextName}" does not exist`);
  const context = namedContext.context ?? {};

  const clusterName = context.cluster;
  if (!clusterName) throw new Error(`kubeconfig: context "${contextName}" names no cluster`);
  const cluster = findNamed(doc.clusters, clusterName, 'cluster')?.cluster;
  if (!cluster) throw new Error(`kubeconfig: cluster "${clusterName}" not found`);
  if (!cluster.server) throw new Error(`kubeconfig: cluster "${clusterName}" has no server`);

  const user = context.user ? (findNamed(doc.users, context.user, 'user')?.user ?? {}) : {};
  const readRelative = (p: string) => readFileSync(isAbsolute(p) ? p : join(baseDir, p), 'utf8');

  const config: ClientConfig = { server: String(cluster.server).replace(/\/+$/, '') };
  if (cluster['certificate-authority-data']) config.caPem = fromBase64(cluster['certificate-authority-data']);
  else if (cluster['certificate-authority']) config.caPem = readRelative(cluster['certificate-authority']);
  if (cluster['insecure-skip-tls-verify'] === true) config.insecureSkipTLSVerify = true;

  if (user.token) config.token = String(user.token);
  else if (user.tokenFile) config.token = readRelative(user.tokenFile).trim();
  if (user['client-certificate-data']) config.clientCertPem = fromBase64(user['client-certificate-data']);
  else if (user['client-certificate']) config.clientCertPem = readRelative(user['client-certificate']);
  if (user['client-key-data']) config.clientKeyPem = fromBase64(user['client-key-data']);
  else if (user['client-key']) config.clientKeyPem = readRelative(user['client-key']);
  return config;
}

function findNamed(list: unknown, name: string, what: string): Record<string, any> | undefined {
  if (list == null) return undefined;
  if (!Array.isArray(list)) throw new Error(`kubeconfig: ${what}s must be a list`);
  return list.find((entry) => entry && typeof entry === 'object' && entry.name === name);
}

function fromBase64(data: unknown): string {
  return Buffer.from(String(data), 'base64').toString('utf8');
}
