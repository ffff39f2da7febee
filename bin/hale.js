#!/usr/bin/env node
// Entry point. Runs the prebuilt bundle (dist/hale.mjs, made by `npm run build` on install)
// when it is newer than every source file — it starts several hundred milliseconds faster —
// and otherwise the TypeScript sources through tsx, so a developer's edits always take effect.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
process.env.HALE_ROOT ??= root;
const bundle = join(root, 'dist', 'hale.mjs');

function newestSourceMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSourceMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

if (existsSync(bundle) && statSync(bundle).mtimeMs >= newestSourceMtime(join(root, 'src'))) {
  await import(bundle);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}
