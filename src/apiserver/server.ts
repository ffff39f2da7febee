// The API server: the only component that touches storage. It routes each request
// through authenticate → route (discovery, OpenAPI, resources) → respond, and turns every
// failure into a Kubernetes Status.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { APIEXTENSIONS_GROUP } from '../api/kinds/apiextensions/index.ts';
import { METRICS_GROUP } from '../api/kinds/metrics/index.ts';
import type { ResourceType } from '../api/resource-type.ts';
import type { Store } from '../storage/store.ts';
import { claimResizeAdmission, storageAdmission } from './admission/storage-admission.ts';
import { ApiRegistry } from './api-registry.ts';
import { isPublicPath, type TokenAuthenticator, type UserInfo } from './auth.ts';
import { podBindingHandler, podBindingSubresource } from './binding.ts';
import { serveCustomResourceDefinitions } from './custom-resource-definitions.ts';
import { DiscoveryHandler, type ExtraSubresource } from './discovery.ts';
import { resourceNotFound, toStatusError, unauthorized } from './errors.ts';
import { evictionSubresource, evictPod } from './eviction.ts';
import { answerHealth, type HealthCheck } from './health-checks.ts';
import { writeJSON, writeStatusError } from './http-io.ts';
import { proxyHandlers, proxySubresources } from './http-proxy.ts';
import { impersonatedUser } from './impersonation.ts';
import { ApiMetrics } from './metrics.ts';
import { OIDC_DISCOVERY_PATH, OIDC_JWKS_PATH, serveOidcDiscovery } from './oidc-discovery.ts';
import { OpenApiHandler } from './openapi-handler.ts';
import { SchemaPatcher } from './patcher.ts';
import { handlePodUpgrade, PodProxy, podStreamingSubresources } from './pod-proxy.ts';
import { parseRequestInfo } from './request-info.ts';
import { ResourceHandler } from './resource-handler.ts';
import { ResourceMetrics } from './resource-metrics.ts';
import { selfSubjectAccessReview, selfSubjectRulesReview } from './self-subject-access-review.ts';
import { isSelfSubjectReview, selfSubjectReview } from './self-subject-review.ts';
import { ServiceAccountTokens } from './service-account-tokens.ts';
import { tokenRequestHandler, tokenRequestSubresource } from './token-request.ts';
import { isTokenReview, tokenReview } from './token-review.ts';
import { closeHttpServer, listenOnUnixSocket, type UnixSocketListener } from './unix-socket-listener.ts';

export interface ApiServerOptions {
  store: Store;
  resources: ResourceType[];
  authenticator: TokenAuthenticator;
  /** Serve HTTPS with this certificate; plain HTTP when absent (the --insecure-http dev flag). */
  tls?: { certPem: string; keyPem: string };
  logger: Logger;
  extraSubresources?: ExtraSubresource[];
  /** The token node agents accept from the API server; enables pods/log, exec, attach, portforward. */
  agentToken?: string;
  /** Signing key (PEM) and issuer of service account tokens; enables serviceaccounts/token and their use. */
  serviceAccounts?: { keyPem: string; issuer: string };
}

const namespaceFinalizeSubresource: ExtraSubresource = {
  group: '',
  resource: 'namespaces',
  subresource: 'finalize',
  kind: { group: '', version: 'v1', kind: 'Namespace' },
  verbs: ['update'],
};

/**
 * The /version document; the kubectl dispatcher picks its client from `minor`. Kubernetes 1.33
 * adds the emulated and the minimum compatibility versions (KEP-4330) after `minor`.
 */
export function versionInfo(): Record<string, string> {
  return {
    major: '1',
    minor: '33',
    emulationMajor: '1',
    emulationMinor: '33',
    minCompatibilityMajor: '1',
    minCompatibilityMinor: '32',
    gitVersion: 'v1.33.1+hale',
    gitCommit: 'hale',
    gitTreeState: 'clean',
    buildDate: '2026-11-01T00:00:00Z',
    goVersion: `node${process.versions.node}`,
    compiler: 'hale',
    platform: `${process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}`,
  };
}

export class ApiServer {
  readonly registry: ApiRegistry;
  readonly resources: ResourceHandler;
  readonly metrics = new ApiMetrics();
  private readonly discovery: DiscoveryHandler;
  private readonly openapi: OpenApiHandler;
  private readonly server: Server;
  private ready = false;
  private podProxy?: PodProxy;
  private readonly resourceMetrics: ResourceMetrics;
  private unixSocket?: UnixSocketListener;
  private serviceAccountTokens?: ServiceAccountTokens;

  constructor(private readonly opts: ApiServerOptions) {
    this.registry = new ApiRegistry(opts.resources, opts.store);
    this.resources = new ResourceHandler(this.registry, new SchemaPatcher());
    this.resources.addSubresource('', 'pods', 'binding', podBindingHandler);
    this.resources.addSubresource('', 'pods', 'eviction', evictPod);
    this.resources.createAdmission.push(storageAdmission(this.registry));
    const claims = this.registry.lookup('', 'v1', 'persistentvolumeclaims');
    if (claims) claims.writeHooks = claimResizeAdmission(this.registry);
    const proxies = proxyHandlers(this.registry);
    this.resources.addSubresource('', 'services', 'proxy', proxies.services);
    this.resources.addSubresource('', 'pods', 'proxy', proxies.pods);
    const builtinSubresources = [podBindingSubresource, evictionSubresource, namespaceFinalizeSubresource, ...proxySubresources];
    if (opts.serviceAccounts) {
      const tokens = new ServiceAccountTokens(opts.serviceAccounts.keyPem, opts.serviceAccounts.issuer, this.registry);
      this.serviceAccountTokens = tokens;
      opts.authenticator.setVerifier(tokens);
      this.resources.addSubresource('', 'serviceaccounts', 'token', tokenRequestHandler(tokens, this.registry));
      builtinSubresources.push(tokenRequestSubresource);
    }
    if (opts.agentToken) {
      const proxy = new PodProxy({
        registry: this.registry,
        authenticator: opts.authenticator,
        agentToken: opts.agentToken,
        logger: opts.logger,
      });
      this.resources.addSubresource('', 'pods', 'log', proxy.logHandler);
      for (const sub of ['exec', 'attach', 'portforward']) this.resources.addSubresource('', 'pods', sub, proxy.upgradeRequiredHandler);
      this.podProxy = proxy;
      builtinSubresources.push(...podStreamingSubresources);
    }
    // Without an agent token no agent can join: the metrics lists stay empty.
    this.resourceMetrics = new ResourceMetrics({ registry: this.registry, agentToken: opts.agentToken ?? '', logger: opts.logger });
    this.discovery = new DiscoveryHandler(this.registry, [...builtinSubresources, ...(opts.extraSubresources ?? [])]);
    this.openapi = new OpenApiHandler(this.registry);
    this.server = this.withApiHandlers(opts.tls ? createHttpsServer({ cert: opts.tls.certPem, key: opts.tls.keyPem }) : createHttpServer());
  }

  /** Routes a server's requests and upgrades here; shared by the TCP port and the Unix socket. */
  private withApiHandlers(server: Server): Server {
    server.on('request', (req: IncomingMessage, res: ServerResponse) => void this.handle(req, res));
    const proxy = this.podProxy;
    // exec, attach and port-forward arrive as WebSocket or SPDY upgrades.
    if (proxy) server.on('upgrade', (req, socket, head) => void handlePodUpgrade(req, socket, head, proxy));
    // Watches are long-lived; Node's default timeouts must not cut them.
    server.requestTimeout = 0;
    server.headersTimeout = 60_000;
    server.keepAliveTimeout = 65_000;
    return server;
  }

  get httpServer(): Server {
    return this.server;
  }

  /** ping and log: the process answers (kube-apiserver's own liveness checks). */
  private readonly livenessChecks: HealthCheck[] = [
    { name: 'ping', check: () => undefined },
    { name: 'log', check: () => undefined },
  ];
  /** Ready once bootstrap (system namespaces, the kubernetes Service, controllers' start) is done. */
  private readonly readinessChecks: HealthCheck[] = [
    ...this.livenessChecks,
    { name: 'poststarthook/bootstrap-controller', check: () => (this.ready ? undefined : 'not finished') },
  ];

  setReady(ready: boolean): void {
    this.ready = ready;
  }

  listen(port: number, host: string): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => resolve(this.server.address() as AddressInfo));
    });
  }

  /** Also serves plain HTTP on a Unix socket, for clients in this process (unix-socket-listener.ts). */
  async listenUnixSocket(path: string): Promise<void> {
    if (this.unixSocket) throw new Error(`the API server already listens on a Unix socket`);
    this.unixSocket = await listenOnUnixSocket(this.withApiHandlers(createHttpServer()), path);
  }

  async close(): Promise<void> {
    await Promise.all([closeHttpServer(this.server), this.unixSocket?.close()]);
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = process.hrtime.bigint();
    const url = new URL(req.url ?? '/', 'http://localhost');
    let verb = (req.method ?? 'GET').toLowerCase();
    let resource = '';
    try {
      const user = await this.authenticate(req, url.pathname);
      const info = parseRequestInfo(req.method ?? 'GET', url.pathname, url.searchParams);
      if (info.kind === 'resource') {
        verb = info.verb;
        resource = info.subresource ? `${info.resource}/${info.subresource}` : info.resource;
        if (info.group === 'authorization.k8s.io' && info.resource === 'selfsubjectaccessreviews' && info.verb === 'create') {
          await selfSubjectAccessReview(req, res, user);
        } else if (info.group === 'authorization.k8s.io' && info.resource === 'selfsubjectrulesreviews' && info.verb === 'create') {
          await selfSubjectRulesReview(req, res, user);
        } else if (isSelfSubjectReview(info)) {
          await selfSubjectReview(req, res, user, info.version);
        } else if (isTokenReview(info) && this.serviceAccountTokens) {
          await tokenReview(req, res, this.opts.authenticator, this.serviceAccountTokens);
        } else if (info.group === APIEXTENSIONS_GROUP) {
          serveCustomResourceDefinitions(req.headers.accept, res, info, url.searchParams);
        } else if (info.group === METRICS_GROUP) {
          await this.resourceMetrics.handle(res, info, url.searchParams, req.headers.accept);
        } else {
          await this.resources.handle({ req, res, info, query: url.searchParams, user: user?.name ?? 'system:anonymous' });
        }
      } else if (info.kind === 'discovery') {
        this.discovery.serve(req, res, info);
      } else {
        await this.handleOther(req, res, url);
      }
    } catch (err) {
      const status = toStatusError(err);
      if (status.code >= 500) this.opts.logger.error({ err, method: req.method, url: req.url }, 'request failed');
      writeStatusError(res, status);
    } finally {
      if (verb !== 'watch') this.metrics.observe(verb, resource, res.statusCode, started);
    }
  }

  private async authenticate(req: IncomingMessage, pathname: string): Promise<UserInfo | undefined> {
    const user = await this.opts.authenticator.authenticate(req);
    if (!user && !isPublicPath(pathname)) throw unauthorized();
    return impersonatedUser(req, user);
  }

  private async handleOther(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const path = url.pathname;
    const health = /^\/(healthz|livez|readyz)(\/.+)?$/.exec(path);
    if (health) {
      const [, endpoint, rest = ''] = health;
      const answer = answerHealth(endpoint, rest, url.searchParams, endpoint === 'readyz' ? this.readinessChecks : this.livenessChecks);
      if (answer) return text(res, answer.status, answer.body);
    }
    if (this.serviceAccountTokens && (path === OIDC_DISCOVERY_PATH || path === OIDC_JWKS_PATH)) {
      return serveOidcDiscovery(res, path, this.serviceAccountTokens);
    }
    if (path === '/version') return writeJSON(res, 200, versionInfo());
    if (path === '/metrics') {
      res.writeHead(200, { 'Content-Type': this.metrics.contentType });
      res.end(await this.metrics.render());
      return;
    }
    if (path.startsWith('/openapi/')) return this.openapi.serve(req, res, url);
    if (path === '/') {
      return writeJSON(res, 200, {
        paths: ['/api', '/apis', '/healthz', '/livez', '/metrics', '/openapi/v2', '/openapi/v3', '/readyz', '/version'],
      });
    }
    throw resourceNotFound();
  }
}

function text(res: ServerResponse, code: number, body: string): void {
  res.writeHead(code, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' });
  res.end(body);
}
