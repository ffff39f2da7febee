// postStart/preStop handlers with the kubelet's semantics and messages:
// - exec: the command runs in the container (runtime.execSync); it must exit 0.
// - httpGet: one GET (User-Agent "kube-lifecycle/1.33", headers, scheme; an HTTPS request that
//   gets a plain-HTTP answer is retried over HTTP). As in the kubelet, only a transport error
//   fails the hook — the response's status code is not looked at.
// - sleep: waits sleep.seconds; if the time allowed (the grace period) runs out first, the
//   hook fails with "container terminated before sleep hook finished".
// - anything else (tcpSocket is accepted by the API but never supported): "Cannot run handler".
// A non-positive or infinite timeout means "no limit" (postStart has none in Kubernetes).
// Failure messages read like the kubelet's, e.g. `Exec lifecycle hook ([sh -c exit 3]) for
// Container "web" in Pod "web-0_default(uid)" failed - error: command 'sh -c exit 3' exited
// with 3: , message: ""`.
import type { Logger } from 'pino';
import { goQuote } from '../../api/go-quote.ts';
import type { KubeObject } from '../../api/resource-type.ts';
import { errorMessage } from '../probes/go-format.ts';
import { httpGet, httpGetRequestFor } from '../probes/http-get.ts';
import type { Runtime } from '../runtime/runtime.ts';
import type { HookContext, HookResult, HookRunner } from './types.ts';

export interface HookRunnerOptions {
  runtime: Runtime;
  /** Kubernetes minor version in the User-Agent "kube-lifecycle/<version>". Default "1.33". */
  kubeVersion?: string;
  logger?: Logger;
  /** Milliseconds per sleep second (tests shrink it); default 1000. */
  secondMs?: number;
}

/** The longest timer Node.js supports: "no limit" in practice. */
const NO_LIMIT_MS = 2 ** 31 - 1;

function podDescription(pod: KubeObject): string {
  const meta = pod?.metadata ?? {};
  return `${meta.name}_${meta.namespace}(${meta.uid})`;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function createHookRunner(opts: HookRunnerOptions): HookRunner {
  const userAgent = `kube-lifecycle/${opts.kubeVersion ?? '1.33'}`;
  const secondMs = opts.secondMs ?? 1000;

  return async (handler: KubeObject, ctx: HookContext, timeoutMs: number): Promise<HookResult> => {
    const limitMs = Number.isFinite(timeoutMs) && timeoutMs > 0 ? Math.min(timeoutMs, NO_LIMIT_MS) : NO_LIMIT_MS;
    const who = `for Container ${goQuote(String(ctx.container?.name ?? ''))} in Pod ${goQuote(podDescription(ctx.pod))}`;
    const failed = (message: string): HookResult => {
      opts.logger?.info({ pod: podDescription(ctx.pod), container: ctx.container?.name, message }, 'lifecycle hook failed');
      return { ok: false, message };
    };

    if (handler?.exec) {
      const argv: string[] = Array.isArray(handler.exec.command) ? handler.exec.command.map(String) : [];
      const shown = `[${argv.join(' ')}]`;
      let error: string | undefined;
      let output = '';
      try {
        const res = await opts.runtime.execSync(ctx.containerId, argv, limitMs);
        output = res.stdout + res.stderr;
        if (res.timedOut) error = `command ${goQuote(argv.join(' '))} timed out`;
        else if (res.exitCode !== 0) error = `command '${argv.join(' ')}' exited with ${res.exitCode}: ${res.stderr}`;
      } catch (err) {
        error = errorMessage(err);
      }
      if (error === undefined) return { ok: true, message: '' };
      return failed(`Exec lifecycle hook (${shown}) ${who} failed - error: ${error}, message: ${goQuote(output)}`);
    }

    if (handler?.httpGet) {
      const path = String(handler.httpGet.path ?? '');
      const fail = (error: string) => failed(`HTTP lifecycle hook (${path}) ${who} failed - error: ${error}`);
      let request: ReturnType<typeof httpGetRequestFor>;
      try {
        request = httpGetRequestFor(handler.httpGet, ctx.container, ctx.podIP || '127.0.0.1');
      } catch (err) {
        return fail(errorMessage(err));
      }
      const get = (url: string) => httpGet({ ...request, url, userAgent, timeoutMs: limitMs, followNonLocalRedirects: true });
      let res = await get(request.url);
      if (res.kind === 'error' && res.httpResponseToHttps) {
        opts.logger?.info(
          { pod: podDescription(ctx.pod), url: request.url },
          'HTTPS lifecycle hook got an HTTP response, retrying with HTTP',
        );
        res = await get(request.url.replace(/^https:/, 'http:'));
      }
      return res.kind === 'error' ? fail(res.message) : { ok: true, message: '' };
    }

    if (handler?.sleep) {
      const seconds = Number(handler.sleep.seconds ?? 0);
      const wantMs = Math.max(0, seconds * secondMs);
      if (wantMs <= limitMs) {
        await sleep(wantMs);
        return { ok: true, message: '' };
      }
      await sleep(limitMs);
      return failed(`Sleep lifecycle hook (${seconds}) ${who} failed - error: container terminated before sleep hook finished`);
    }

    return failed(`Cannot run handler: invalid handler: ${JSON.stringify(handler ?? null)}`);
  };
}
