// A private esbuild bundle of the current sources, for benchmarks that should measure the
// code users run.
import { mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Users run the esbuild bundle (bin/hale.js prefers it once `npm install` built it); it needs
 * tens of MB less memory than the sources through tsx. bin/hale.js falls back to tsx whenever
 * a source file is newer than dist/, so build a private bundle of the current sources (inside
 * the repository, so that its imports resolve in node_modules; removed at exit).
 */
export async function buildPrivateBundle(): Promise<string> {
  const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '../..');
  process.env.HALE_ROOT ??= repoRoot;
  const { build } = await import('esbuild');
  const outDir = join(repoRoot, 'dist', `bench-${process.pid}`);
  mkdirSync(outDir, { recursive: true });
  const entry = join(outDir, 'hale.mjs');
  await build({
    // The same entry points as package.json "build": the workers (userspace proxy, embedded agent) sit beside hale.mjs.
    entryPoints: {
      hale: join(repoRoot, 'src/cli/main.ts'),
      'hale-proxy-worker': join(repoRoot, 'src/proxy/userspace-proxy-worker.ts'),
      'hale-agent-worker': join(repoRoot, 'src/agent/agent-worker.ts'),
    },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    logLevel: 'warning',
    outdir: outDir,
    outExtension: { '.js': '.mjs' },
  });
  process.on('exit', () => rmSync(outDir, { recursive: true, force: true }));
  return entry;
}
