// End-to-end check of the generated OpenAPI documents with the real kubectl binaries:
// a throwaway HTTP server serves discovery, /openapi/v3 (JSON) and /openapi/v2 (gnostic
// protobuf) for the test Widget kind; kubectl must `explain` it and, before `apply`, find the
// fieldValidation parameter (so it sends fieldValidation=Strict). Skipped when the pinned
// kubectl binaries (kubectl.1.27, kubectl.1.33 beside `kubectl`) are not installed.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { openapiV2Document } from '../openapi-v2.ts';
import { encodeOpenAPIV2Document } from '../openapi-v2-protobuf.ts';
import { groupVersionPath, openapiV3Document, openapiV3Root } from '../openapi-v3.ts';
import { registerWidgetDefinitions, widgetResource } from './widget-definitions.ts';

const run = promisify(execFile);

function findKubectl(version: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    const candidate = join(dir, 'kubectl');
    if (!existsSync(candidate)) continue;
    const pinned = join(dirname(realpathSync(candidate)), `kubectl.${version}`);
    return existsSync(pinned) ? pinned : undefined;
  }
  return undefined;
}

const kubectl127 = findKubectl('1.27');
const kubectl133 = findKubectl('1.33');
const skip = !kubectl127 || !kubectl133 ? 'pinned kubectl binaries not installed' : false;

registerWidgetDefinitions();
const resources = [widgetResource];
const GV = 'hale.test.io/v1';

function discovery(version: string, core: boolean) {
  const items = core
    ? [{ metadata: { name: '' }, versions: [{ version: 'v1', freshness: 'Current', resources: [] }] }]
    : [
        {
          metadata: { name: 'hale.test.io' },
          versions: [
            {
              version: 'v1',
              freshness: 'Current',
              resources: [
                {
                  resource: 'widgets',
                  responseKind: { group: '', version: '', kind: 'Widget' },
                  scope: 'Namespaced',
                  singularResource: 'widget',
                  verbs: ['create', 'delete', 'get', 'list', 'patch', 'update'],
                  shortNames: ['wd'],
                },
              ],
            },
          ],
        },
      ];
  return { kind: 'APIGroupDiscoveryList', apiVersion: `apidiscovery.k8s.io/${version}`, metadata: {}, items };
}

describe('kubectl against the generated OpenAPI documents', { skip }, () => {
  let server: Server;
  let base = '';
  let dir = '';
  const writes: string[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hale-openapi-'));
    server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const send = (status: number, body: unknown, type = 'application/json') => {
        res.writeHead(status, { 'content-type': type });
        res.end(body instanceof Uint8Array ? body : JSON.stringify(body));
      };
      if (url.pathname === '/api' || url.pathname === '/apis') {
        const version = String(req.headers.accept).includes('v=v2;') ? 'v2' : 'v2beta1';
        return send(
          200,
          discovery(version, url.pathname === '/api'),
          `application/json;g=apidiscovery.k8s.io;v=${version};as=APIGroupDiscoveryList`,
        );
      }
      if (url.pathname === '/openapi/v3')
        return send(
          200,
          openapiV3Root([GV], () => resources),
        );
      if (url.pathname === `/openapi/v3/${groupVersionPath(GV)}`) return send(200, openapiV3Document(GV, resources));
      if (url.pathname === '/openapi/v2')
        return send(200, encodeOpenAPIV2Document(openapiV2Document(resources)), 'application/octet-stream');
      if (req.method === 'POST') {
        writes.push(`${req.method} ${req.url}`);
        req.resume();
        req.on('end', () =>
          send(201, { apiVersion: GV, kind: 'Widget', metadata: { name: 'w1', namespace: 'default' }, spec: { size: '1' } }),
        );
        return;
      }
      send(404, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason: 'NotFound', code: 404, message: 'not found' });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    writeFileSync(
      join(dir, 'widget.yaml'),
      // `bogus` is unknown: kubectl only sends it on when it found the fieldValidation
      // parameter; otherwise its client-side validation rejects the manifest.
      'apiVersion: hale.test.io/v1\nkind: Widget\nmetadata:\n  name: w1\nspec:\n  size: 1Gi\n  bogus: 1\n  parts:\n  - name: a\n',
    );
  });

  after(() => {
    server?.closeAllConnections();
    server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const kubectl = async (binary: string, ...args: string[]) => {
    const cache = join(dir, `cache-${binary.slice(-4)}`);
    const { stdout } = await run(binary, ['--server', base, '--cache-dir', cache, ...args], {
      env: { ...process.env, KUBECONFIG: join(dir, 'no-kubeconfig') },
      timeout: 30_000,
    });
    return stdout;
  };

  test('kubectl 1.33 explain reads the v3 document', async () => {
    const out = await kubectl(kubectl133!, 'explain', 'widgets.spec');
    assert.match(out, /KIND:\s+Widget/);
    assert.match(out, /FIELD: spec <WidgetSpec>/);
    assert.match(out, /size\t<Quantity> -required-\n\s+How big\./);
    assert.match(out, /port\t<IntOrString>/);
    assert.match(out, /parts\t<\[\]Part>/);
    assert.match(out, /limits\t<map\[string\]Quantity>/);
    // Inlined struct fields appear on the parent.
    const probe = await kubectl(kubectl133!, 'explain', 'widgets.spec.probe');
    assert.match(probe, /command\t<\[\]string>/);
    assert.match(probe, /periodSeconds\t<integer>/);
  });

  test('kubectl 1.27 explain reads the v2 protobuf document', async () => {
    const out = await kubectl(kubectl127!, 'explain', 'widgets.spec', '--output=plaintext-openapiv2');
    assert.match(out, /KIND:\s+Widget/);
    assert.match(out, /size\t<string> -required-\n\s+How big\./);
    assert.match(out, /parts\t<\[\]Object>/);
  });

  test('kubectl 1.27 and 1.33 find fieldValidation on the PATCH operation and leave validation to the server', async () => {
    writes.length = 0;
    await kubectl(kubectl127!, 'apply', '-f', join(dir, 'widget.yaml'));
    await kubectl(kubectl133!, 'apply', '-f', join(dir, 'widget.yaml'));
    assert.equal(writes.length, 2);
    for (const write of writes)
      assert.match(write, /^POST \/apis\/hale\.test\.io\/v1\/namespaces\/default\/widgets\?.*fieldValidation=Strict/);
  });
});
