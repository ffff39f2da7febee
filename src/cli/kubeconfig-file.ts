// Writes the admin kubeconfig (cluster, user and context all named "hale").
import { writeFileSync } from 'node:fs';
import { stringify } from 'yaml';

export function kubeconfigYaml(server: string, caPem: string | undefined, token: string): string {
  const cluster: Record<string, unknown> = { server };
  if (caPem) cluster['certificate-authority-data'] = Buffer.from(caPem).toString('base64');
  return stringify(
    {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'hale', cluster }],
      users: [{ name: 'hale', user: { token } }],
      contexts: [{ name: 'hale', context: { cluster: 'hale', user: 'hale' } }],
      'current-context': 'hale',
      preferences: {},
    },
    { version: '1.1' },
  );
}

export function writeKubeconfig(path: string, server: string, caPem: string | undefined, token: string): void {
  writeFileSync(path, kubeconfigYaml(server, caPem, token), { mode: 0o600 });
}
