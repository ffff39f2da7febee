// The identity of the machine as the Node reports it (status.nodeInfo and addresses): ids
// from /etc/machine-id and /proc, the kernel and OS image, the first usable IPv4 address.
// Read once at start; tests pass their own HostInfo.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname, networkInterfaces, release } from 'node:os';

export interface HostInfo {
  hostname: string;
  internalIP: string;
  machineID: string;
  systemUUID: string;
  bootID: string;
  kernelVersion: string;
  osImage: string;
  /** GOOS spelling: "linux", "darwin", "windows". */
  operatingSystem: string;
  /** GOARCH spelling: "amd64", "arm64", … */
  architecture: string;
}

function tryRead(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** PRETTY_NAME from an os-release file, unquoted; undefined when absent. */
export function parseOsReleasePrettyName(text: string): string | undefined {
  for (const line of text.split('\n')) {
    const m = /^PRETTY_NAME=(.*)$/.exec(line.trim());
    if (!m) continue;
    const raw = m[1].trim();
    const quoted = /^(["'])(.*)\1$/.exec(raw);
    return (quoted ? quoted[2].replace(/\\(.)/g, '$1') : raw) || undefined;
  }
  return undefined;
}

const goArch: Record<string, string> = {
  x64: 'amd64',
  ia32: '386',
  arm64: 'arm64',
  arm: 'arm',
  ppc64: 'ppc64le',
  s390x: 's390x',
  riscv64: 'riscv64',
  loong64: 'loong64',
  mips: 'mips',
  mipsel: 'mipsle',
};

/** Node's process.arch in Go's spelling, which is what Kubernetes labels and nodeInfo use. */
export function goArchitecture(arch: string = process.arch): string {
  return goArch[arch] ?? arch;
}

export function goOperatingSystem(platform: string = process.platform): string {
  return platform === 'win32' ? 'windows' : platform;
}

/** The first non-internal IPv4 address of the machine (pod bridges aside), else 127.0.0.1. */
export function firstInternalIPv4(interfaces: ReturnType<typeof networkInterfaces> = networkInterfaces()): string {
  // hale<hex>: the isolated pod network's bridges (src/agent/network/names.ts) hold pod gateways.
  const podBridge = /^hale[0-9a-f]{8}$/;
  for (const name of Object.keys(interfaces).sort()) {
    if (podBridge.test(name)) continue;
    for (const addr of interfaces[name] ?? []) {
      if (addr.family === 'IPv4' && !addr.internal) return addr.address;
    }
  }
  return '127.0.0.1';
}

/** A UUID-shaped id derived from the machine id, for hosts whose DMI UUID only root may read. */
function uuidFrom(seed: string): string {
  const h = createHash('sha256').update(seed).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** Reads this machine's identity. */
export function readHostInfo(): HostInfo {
  const host = hostname();
  const machineID = tryRead('/etc/machine-id') ?? tryRead('/var/lib/dbus/machine-id') ?? '';
  const systemUUID = (tryRead('/sys/class/dmi/id/product_uuid') ?? uuidFrom(machineID || host)).toLowerCase();
  const osRelease = tryRead('/etc/os-release') ?? tryRead('/usr/lib/os-release') ?? '';
  return {
    hostname: host,
    internalIP: firstInternalIPv4(),
    machineID,
    systemUUID,
    bootID: tryRead('/proc/sys/kernel/random/boot_id') ?? '',
    kernelVersion: release(),
    // The kubelet's fallback when os-release has no PRETTY_NAME.
    osImage: parseOsReleasePrettyName(osRelease) ?? 'Linux',
    operatingSystem: goOperatingSystem(),
    architecture: goArchitecture(),
  };
}
