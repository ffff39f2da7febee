// Reads a resolv.conf file the way the kubelet and CoreDNS' forward plugin do: nameserver
// lines in order, the last search (or domain) line, and options merged by name.

export interface ResolvConf {
  nameservers: string[];
  searches: string[];
  /** `name` or `name:value`, later lines overriding earlier ones of the same name. */
  options: string[];
}

export function parseResolvConf(text: string): ResolvConf {
  const conf: ResolvConf = { nameservers: [], searches: [], options: [] };
  for (const rawLine of text.split('\n')) {
    const line = rawLine.replace(/[#;].*$/, '').trim();
    if (!line) continue;
    const [keyword, ...fields] = line.split(/\s+/);
    if (keyword === 'nameserver' && fields[0]) conf.nameservers.push(fields[0]);
    // "search" and "domain" replace each other; the last one wins (resolv.conf(5)).
    else if (keyword === 'search' || keyword === 'domain') {
      conf.searches = fields.filter((s) => s !== '.').map((s) => s.replace(/\.$/, ''));
    } else if (keyword === 'options') conf.options = mergeOptions(conf.options, fields);
  }
  return conf;
}

/** Merges resolver options by name, the later value replacing the earlier one in place. */
export function mergeOptions(existing: string[], added: string[]): string[] {
  const byName = new Map<string, string>();
  for (const option of [...existing, ...added]) {
    const colon = option.indexOf(':');
    const name = colon === -1 ? option : option.slice(0, colon);
    byName.set(name, option);
  }
  return [...byName.values()];
}
