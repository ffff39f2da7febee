// --proxy-mode: auto is userspace. bench/proxy.ts measured both modes (figures in
// docs/services.md): nftables moves about 4× more new connections per second, but when a
// backend dies it keeps sending new connections to it until the endpoint update arrives,
// failing them; the userspace proxy retries a refused connection on another ready backend,
// so a crash costs only the requests in flight — the property Hale exists for. nftables
// stays available (Linux, root, `nft` installed) for throughput-bound services.
import { run } from './nft.ts';

export type ConcreteProxyMode = 'nftables' | 'userspace';
export type ProxyMode = 'auto' | ConcreteProxyMode;
export const PROXY_MODES: readonly ProxyMode[] = ['auto', 'nftables', 'userspace'];

export async function nftablesAvailable(): Promise<boolean> {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return false;
  try {
    await run('nft', ['list', 'tables']);
    return true;
  } catch {
    return false;
  }
}

export async function resolveProxyMode(mode: ProxyMode): Promise<ConcreteProxyMode> {
  if (mode === 'nftables') {
    if (!(await nftablesAvailable())) throw new Error('--proxy-mode nftables needs root on Linux and the nft command');
    return 'nftables';
  }
  return 'userspace';
}
