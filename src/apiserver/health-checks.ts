// /healthz, /livez and /readyz as kube-apiserver answers them: "ok" when every check passes,
// one "[+]name ok" / "[-]name failed: reason withheld" line per check with ?verbose or on a
// failure, ?exclude=name to leave a check out, and /readyz/NAME for a single check.

export interface HealthCheck {
  name: string;
  /** undefined when healthy, else why not (kube-apiserver withholds the reason from clients). */
  check(): string | undefined;
}

export interface HealthAnswer {
  status: number;
  body: string;
}

/** `endpoint` is "healthz", "livez" or "readyz"; `rest` is the path after it ("" or "/NAME"). */
export function answerHealth(endpoint: string, rest: string, query: URLSearchParams, checks: HealthCheck[]): HealthAnswer | undefined {
  if (rest) {
    const single = checks.find((c) => `/${c.name}` === rest);
    if (!single) return undefined;
    return single.check() === undefined ? { status: 200, body: 'ok' } : { status: 500, body: 'internal server error: reason withheld' };
  }
  const excluded = new Set(query.getAll('exclude'));
  const lines: string[] = [];
  let failed = false;
  for (const c of checks) {
    if (excluded.delete(c.name)) {
      lines.push(`[+]${c.name} excluded: ok`);
      continue;
    }
    const problem = c.check();
    if (problem === undefined) lines.push(`[+]${c.name} ok`);
    else {
      failed = true;
      lines.push(`[-]${c.name} failed: reason withheld`);
    }
  }
  for (const name of excluded) lines.push(`warn: some health checks cannot be excluded: no matches for "${name}"`);
  if (failed) return { status: 500, body: `${lines.join('\n')}\n${endpoint} check failed` };
  if (!query.has('verbose')) return { status: 200, body: 'ok' };
  return { status: 200, body: `${lines.join('\n')}\n${endpoint} check passed` };
}
