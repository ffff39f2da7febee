// The per-pod /etc/hosts and /etc/resolv.conf the runtime bind-mounts into every container of
// a pod that has its own mount namespace, as the kubelet does. The hosts file follows the
// kubelet's managed file: localhost entries, the pod's own IP and hostname (with its FQDN
// when spec.subdomain is set), then spec.hostAliases.
import { readFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface HostAlias {
  ip: string;
  hostnames?: string[];
}

export interface PodHostsSettings {
  podIp: string;
  hostname: string;
  /** spec.subdomain: adds "hostname.subdomain.namespace.svc.domain". */
  subdomain?: string;
  namespace: string;
  clusterDomain: string;
  hostAliases?: HostAlias[];
}

export function hostsFileContent(s: PodHostsSettings): string {
  const lines = [
    '# Kubernetes-managed hosts file.',
    '127.0.0.1\tlocalhost',
    '::1\tlocalhost ip6-localhost ip6-loopback',
    'fe00::0\tip6-localnet',
    'fe00::0\tip6-mcastprefix',
    'fe00::1\tip6-allnodes',
    'fe00::2\tip6-allrouters',
  ];
  if (s.subdomain) lines.push(`${s.podIp}\t${s.hostname}.${s.subdomain}.${s.namespace}.svc.${s.clusterDomain}\t${s.hostname}`);
  else lines.push(`${s.podIp}\t${s.hostname}`);
  const aliases = (s.hostAliases ?? []).filter((a) => a?.ip && a.hostnames?.length);
  if (aliases.length > 0) {
    lines.push('', '# Entries added by HostAliases.');
    for (const a of aliases) lines.push(`${a.ip}\t${a.hostnames!.join('\t')}`);
  }
  return `${lines.join('\n')}\n`;
}

export function hostResolvConf(): string {
  try {
    return readFileSync('/etc/resolv.conf', 'utf8');
  } catch {
    return '';
  }
}

/**
 * Writes DIR/hosts and DIR/resolv.conf; returns their paths. Asynchronous: a burst of pods
 * creates hundreds of files, and each new inode can take a millisecond on some file systems.
 */
export async function writePodFiles(
  dir: string,
  hosts: string,
  resolvConf: string,
): Promise<{ hostsPath: string; resolvConfPath: string }> {
  await mkdir(dir, { recursive: true, mode: 0o755 });
  const hostsPath = join(dir, 'hosts');
  const resolvConfPath = join(dir, 'resolv.conf');
  await Promise.all([writeFile(hostsPath, hosts, { mode: 0o644 }), writeFile(resolvConfPath, resolvConf, { mode: 0o644 })]);
  return { hostsPath, resolvConfPath };
}

export async function removePodFiles(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}
