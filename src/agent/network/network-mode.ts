// --network-mode auto|isolated|host: auto picks isolated when this process may build network
// namespaces (root on Linux with a working iproute2), else host.
import { ipWorks } from './ip-command.ts';
import type { NetworkMode } from './pod-network.ts';

export const NETWORK_MODES = ['auto', 'isolated', 'host'] as const;
export type NetworkModeSetting = (typeof NETWORK_MODES)[number];

export async function resolveNetworkMode(setting: NetworkModeSetting = 'auto'): Promise<{ mode: NetworkMode; reason: string }> {
  if (setting === 'host') return { mode: 'host', reason: '--network-mode host' };
  const root = process.platform === 'linux' && process.getuid?.() === 0;
  const why = !root ? 'not running as root on Linux' : !(await ipWorks()) ? 'the `ip` command (iproute2) does not work' : undefined;
  if (setting === 'isolated') {
    if (why) throw new Error(`--network-mode isolated needs root on Linux and iproute2: ${why}`);
    return { mode: 'isolated', reason: '--network-mode isolated' };
  }
  return why ? { mode: 'host', reason: why } : { mode: 'isolated', reason: 'root on Linux with iproute2' };
}
