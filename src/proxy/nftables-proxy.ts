// The nftables proxy mode: the kernel DNATs service traffic using rules in a table this
// proxy owns. Each sync replaces the whole table in one `nft -f` transaction; stop() deletes
// it, and start() first removes a table left behind by a crashed run of the same agent.
import { createHash } from 'node:crypto';
import { nftApply } from './nft.ts';
import { renderDeleteTable, renderRuleset } from './nftables-ruleset.ts';
import type { ProxyServicePort } from './service-table.ts';

/** One table per agent (node name + data dir), so agents sharing a host do not clash. */
export function nftTableName(nodeName: string, dataDir: string): string {
  return `hale-proxy-${createHash('sha256').update(`${nodeName}\0${dataDir}`).digest('hex').slice(0, 10)}`;
}

export class NftablesProxy {
  private lastScript = '';

  constructor(
    readonly table: string,
    private readonly apply_: (script: string) => Promise<unknown> = nftApply,
  ) {}

  async start(): Promise<void> {
    await this.apply_(renderDeleteTable(this.table));
    this.lastScript = '';
  }

  async apply(ports: readonly ProxyServicePort[]): Promise<void> {
    const script = renderRuleset(this.table, ports);
    if (script === this.lastScript) return;
    await this.apply_(script);
    this.lastScript = script;
  }

  async stop(): Promise<void> {
    await this.apply_(renderDeleteTable(this.table));
    this.lastScript = '';
  }
}
