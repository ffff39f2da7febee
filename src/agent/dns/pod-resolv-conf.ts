// The agent's side of pod DNS: builds each pod's resolv.conf from --cluster-dns,
// --cluster-domain and the node's own /etc/resolv.conf (re-read now and then, as it may
// change), and reports what had to be left out as events on the pod, as the kubelet does.
import { readFileSync } from 'node:fs';
import type { KubeObject } from '../../api/resource-type.ts';
import { podDnsConfig, renderResolvConf } from './resolv-conf.ts';

export interface PodResolvConfOptions {
  dnsIp: string;
  domain: string;
  /** The node's resolver configuration (the kubelet's --resolv-conf); default /etc/resolv.conf. */
  hostResolvConfPath?: string;
  /** Receives DNSConfigForming / MissingClusterDNS warnings. */
  warn?: (pod: KubeObject, reason: string, message: string) => void;
}

const HOST_FILE_TTL_MS = 10_000;

/** Returns a function giving a pod's resolv.conf text. */
export function podResolvConfSource(opts: PodResolvConfOptions): (pod: KubeObject) => string {
  const path = opts.hostResolvConfPath ?? '/etc/resolv.conf';
  let cached: { at: number; text: string } | undefined;
  const hostResolvConf = () => {
    const now = Date.now();
    if (!cached || now - cached.at > HOST_FILE_TTL_MS) {
      let text = '';
      try {
        text = readFileSync(path, 'utf8');
      } catch {
        // No host resolver file: Default pods get no nameserver, as with an empty file.
      }
      cached = { at: now, text };
    }
    return cached.text;
  };
  return (pod) => {
    const config = podDnsConfig(pod, { dnsIp: opts.dnsIp, domain: opts.domain, hostResolvConf: hostResolvConf() });
    for (const w of config.warnings) opts.warn?.(pod, w.reason, w.message);
    return renderResolvConf(config);
  };
}
