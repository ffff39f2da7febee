import assert from 'node:assert/strict';
import { test } from 'node:test';
import { versionInfo } from './server.ts';

test('/version names the emulated and minimum compatibility versions as Kubernetes 1.33 does', () => {
  const info = versionInfo();
  assert.deepEqual(Object.keys(info).slice(0, 7), [
    'major',
    'minor',
    'emulationMajor',
    'emulationMinor',
    'minCompatibilityMajor',
    'minCompatibilityMinor',
    'gitVersion',
  ]);
  assert.equal(`${info.emulationMajor}.${info.emulationMinor}`, `${info.major}.${info.minor}`);
  assert.equal(info.minCompatibilityMinor, String(Number(info.minor) - 1));
});
