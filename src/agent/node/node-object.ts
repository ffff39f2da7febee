// The parts of the Node object the agent owns, built from host identity and readings: the
// well-known labels, capacity and allocatable, addresses, nodeInfo and the agent's port.
//
// Allocatable follows the kubelet's formula with its default settings: capacity minus
// kube-reserved and system-reserved (none unless configured) minus the hard eviction
// thresholds — memory.available 100Mi and nodefs.available 10% of the filesystem.
import { Quantity } from '../../api/quantity.ts';
import type { HostInfo } from './host-info.ts';
import type { FilesystemReading, MemoryReading } from './host-readings.ts';

export const KUBELET_VERSION = 'v1.33.1-hale';

export interface Reservations {
  /** kube-reserved + system-reserved CPU, in millicores. */
  cpuMillis: number;
  /** kube-reserved + system-reserved memory, in bytes. */
  memoryBytes: number;
  /** kube-reserved + system-reserved ephemeral storage, in bytes. */
  ephemeralStorageBytes: number;
}

export interface EvictionThresholds {
  /** MemoryPressure when MemAvailable falls below this many bytes (kubelet: memory.available<100Mi). */
  memoryAvailableBytes: number;
  /** DiskPressure when the data dir's filesystem has less than this percentage free (nodefs.available<10%). */
  nodefsAvailablePercent: number;
  /** PIDPressure when fewer than this percentage of process ids remain. */
  pidAvailablePercent: number;
}

export const defaultReservations: Reservations = { cpuMillis: 0, memoryBytes: 0, ephemeralStorageBytes: 0 };

export const defaultEvictionThresholds: EvictionThresholds = {
  memoryAvailableBytes: 100 * 1024 * 1024,
  nodefsAvailablePercent: 10,
  pidAvailablePercent: 5,
};

export interface ResourceSnapshot {
  cpuCount: number;
  memory: MemoryReading;
  filesystem: FilesystemReading;
  maxPods: number;
}

/** The labels the kubelet sets on its Node and keeps set on re-registration. */
export function defaultNodeLabels(nodeName: string, host: HostInfo): Record<string, string> {
  return {
    'beta.kubernetes.io/arch': host.architecture,
    'beta.kubernetes.io/os': host.operatingSystem,
    'kubernetes.io/arch': host.architecture,
    'kubernetes.io/hostname': nodeName.toLowerCase(),
    'kubernetes.io/os': host.operatingSystem,
  };
}

const binary = (bytes: number) => Quantity.fromValue(Math.max(0, Math.floor(bytes)), 'BinarySI').toString();

/** Bytes rounded down to whole KiB, so capacity prints the way cAdvisor's does ("16318412Ki"). */
const kibibytes = (bytes: number) => Math.floor(bytes / 1024) * 1024;

export function nodeCapacity(
  snapshot: ResourceSnapshot,
  reserved: Reservations = defaultReservations,
  eviction: EvictionThresholds = defaultEvictionThresholds,
): { capacity: Record<string, string>; allocatable: Record<string, string> } {
  const memory = kibibytes(snapshot.memory.totalBytes);
  const storage = kibibytes(snapshot.filesystem.totalBytes);
  const capacity = {
    cpu: Quantity.fromValue(snapshot.cpuCount).toString(),
    'ephemeral-storage': binary(storage),
    memory: binary(memory),
    pods: String(snapshot.maxPods),
  };
  const storageEviction = Math.floor((storage * eviction.nodefsAvailablePercent) / 100);
  const allocatable = {
    cpu: Quantity.fromMilli(Math.max(0, snapshot.cpuCount * 1000 - reserved.cpuMillis)).toString(),
    'ephemeral-storage': binary(storage - reserved.ephemeralStorageBytes - storageEviction),
    memory: binary(memory - reserved.memoryBytes - eviction.memoryAvailableBytes),
    pods: String(snapshot.maxPods),
  };
  return { capacity, allocatable };
}

export function nodeAddresses(nodeName: string, host: HostInfo): { type: string; address: string }[] {
  return [
    { type: 'InternalIP', address: host.internalIP },
    { type: 'Hostname', address: nodeName.toLowerCase() },
  ];
}

export function nodeSystemInfo(host: HostInfo, containerRuntimeVersion: string, swapTotalBytes: number): Record<string, unknown> {
  return {
    machineID: host.machineID,
    systemUUID: host.systemUUID,
    bootID: host.bootID,
    kernelVersion: host.kernelVersion,
    osImage: host.osImage,
    containerRuntimeVersion,
    kubeletVersion: KUBELET_VERSION,
    // Deprecated; 1.33 kubelets leave it empty (DisableNodeKubeProxyVersion is on by default).
    kubeProxyVersion: '',
    operatingSystem: host.operatingSystem,
    architecture: host.architecture,
    swap: { capacity: swapTotalBytes },
  };
}
