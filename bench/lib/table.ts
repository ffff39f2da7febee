// Plain-text tables for benchmark output: left-aligned first column, right-aligned numbers.

export type Cell = string | number | undefined;

export function formatNumber(n: number | undefined, decimals = 2): string {
  if (n === undefined || !Number.isFinite(n)) return '-';
  if (Number.isInteger(n)) return n.toLocaleString('en-US');
  return n.toFixed(decimals);
}

export function renderTable(title: string, headers: string[], rows: Cell[][]): string {
  const text = rows.map((row) => headers.map((_, i) => (typeof row[i] === 'number' ? formatNumber(row[i] as number) : (row[i] ?? ''))));
  const widths = headers.map((h, i) => Math.max(h.length, ...text.map((r) => String(r[i]).length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i])))
      .join('  ')
      .trimEnd();
  const out = [title, line(headers), line(widths.map((w) => '-'.repeat(w))), ...text.map((r) => line(r.map(String)))];
  return `${out.join('\n')}\n`;
}
