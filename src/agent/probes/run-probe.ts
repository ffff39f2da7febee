// Runs one probe attempt (exec, httpGet, tcpSocket or grpc) and classifies it like the
// kubelet's prober: success, warning (success worth an event: a redirect to another host),
// failure (with the output users see in "Liveness probe failed: <output>"), or unknown — the
// probe could not run at all (unresolvable port, runtime error), which is reported as an
// error and does not count towards any threshold.

import { goQuote } from '../../api/go-quote.ts';
import type { KubeObject } from '../../api/resource-type.ts';
import type { Runtime } from '../runtime/runtime.ts';
import { errorMessage } from './go-format.ts';
import { grpcHealthCheck } from './grpc-health.ts';
import { httpGet, httpGetRequestFor, MAX_BODY_BYTES } from './http-get.ts';
import { resolveContainerPort } from './resolve-port.ts';
import { tcpConnect } from './tcp-socket.ts';

export type ProbeOutcome =
  | { result: 'success' | 'warning' | 'failure'; output: string }
  | { result: 'unknown'; output: string; error: string };

export interface ProbeAttempt {
  probe: KubeObject;
  pod: KubeObject;
  container: KubeObject;
  containerId: string;
  podIP: string;
}

export interface ProbeEnvironment {
  /** Runs exec probes (the other handlers do not need it). */
  runtime?: Runtime;
  /** e.g. "kube-probe/1.33" */
  userAgent: string;
}

/** Where a probe connects when it names no host: the pod IP, or loopback if the runtime gave none. */
function podAddress(podIP: string): string {
  return podIP || '127.0.0.1';
}

export async function runProbe(attempt: ProbeAttempt, env: ProbeEnvironment, timeoutMs: number): Promise<ProbeOutcome> {
  const { probe, container } = attempt;
  try {
    if (probe.exec) return await runExec(env.runtime, attempt.containerId, probe.exec.command, timeoutMs);
    if (probe.httpGet) {
      const request = httpGetRequestFor(probe.httpGet, container, podAddress(attempt.podIP));
      const res = await httpGet({ ...request, userAgent: env.userAgent, timeoutMs, followNonLocalRedirects: false });
      if (res.kind === 'error') return { result: 'failure', output: res.message };
      if (res.statusCode >= 200 && res.statusCode < 400) {
        if (res.statusCode >= 300) return { result: 'warning', output: `Probe terminated redirects, Response body: ${res.body}` };
        return { result: 'success', output: res.body };
      }
      // Like the kubelet, never the body: it may hold secrets and ends up in events.
      return { result: 'failure', output: `HTTP probe failed with statuscode: ${res.statusCode}` };
    }
    if (probe.tcpSocket) {
      const port = resolveContainerPort(probe.tcpSocket.port, container);
      const res = await tcpConnect(probe.tcpSocket.host || podAddress(attempt.podIP), port, timeoutMs);
      return res.ok ? { result: 'success', output: '' } : { result: 'failure', output: res.message };
    }
    if (probe.grpc) {
      const port = resolveContainerPort(probe.grpc.port, container);
      const res = await grpcHealthCheck(podAddress(attempt.podIP), port, probe.grpc.service ?? '', timeoutMs, env.userAgent);
      return { result: res.ok ? 'success' : 'failure', output: res.message };
    }
    const meta = attempt.pod.metadata ?? {};
    return {
      result: 'unknown',
      output: '',
      error: `missing probe handler for ${meta.name}_${meta.namespace}(${meta.uid}):${container.name}`,
    };
  } catch (err) {
    return { result: 'unknown', output: '', error: errorMessage(err) };
  }
}

async function runExec(runtime: Runtime | undefined, containerId: string, command: unknown, timeoutMs: number): Promise<ProbeOutcome> {
  const argv = Array.isArray(command) ? command.map(String) : [];
  if (argv.length === 0) return { result: 'unknown', output: '', error: 'exec probe has no command' };
  if (!runtime) return { result: 'unknown', output: '', error: 'no container runtime to run exec probes with' };
  const res = await runtime.execSync(containerId, argv, timeoutMs);
  if (res.timedOut) return { result: 'failure', output: `command ${goQuote(argv.join(' '))} timed out` };
  const output = (res.stdout + res.stderr).slice(0, MAX_BODY_BYTES);
  return { result: res.exitCode === 0 ? 'success' : 'failure', output };
}
