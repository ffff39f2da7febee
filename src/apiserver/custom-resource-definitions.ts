// GET of apiextensions.k8s.io/v1 customresourcedefinitions: always an empty list (or a table
// with no rows), NotFound for a name, and a watch that sees no events; every write is refused. See
// api/kinds/apiextensions/index.ts for why the list is served at all.
import type { ServerResponse } from 'node:http';
import { customResourceDefinitions } from '../api/kinds/apiextensions/index.ts';
import { methodNotAllowed, notFound, resourceNotFound } from './errors.ts';
import { wantsTable, writeJSON } from './http-io.ts';
import type { ResourceRequest } from './request-info.ts';
import { parseIncludeObject, toTable } from './table.ts';

export function serveCustomResourceDefinitions(
  accept: string | undefined,
  res: ServerResponse,
  info: ResourceRequest,
  query: URLSearchParams,
): void {
  const rt = customResourceDefinitions;
  if (info.version !== rt.version || info.resource !== rt.plural || info.subresource || info.namespace !== undefined) {
    throw resourceNotFound();
  }
  if (info.verb === 'get') throw notFound(rt.group, rt.plural, info.name ?? '');
  if (info.verb === 'watch') {
    watchNothing(res, query);
    return;
  }
  if (info.verb !== 'list') throw methodNotAllowed('the server does not allow this method on the requested resource');
  const table = wantsTable(accept);
  if (table) {
    writeJSON(
      res,
      200,
      toTable(rt, [], { include: parseIncludeObject(query.get('includeObject')), tableVersion: table.version, resourceVersion: '0' }),
    );
    return;
  }
  writeJSON(res, 200, {
    kind: 'CustomResourceDefinitionList',
    apiVersion: `${rt.group}/${rt.version}`,
    metadata: { resourceVersion: '0' },
    items: [],
  });
}

/** A watch on a list that never changes: open until the client goes or its timeoutSeconds end. */
function watchNothing(res: ServerResponse, query: URLSearchParams): void {
  res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
  res.flushHeaders();
  const seconds = Number(query.get('timeoutSeconds'));
  if (Number.isFinite(seconds) && seconds > 0) {
    const timer = setTimeout(() => res.end(), seconds * 1000);
    res.on('close', () => clearTimeout(timer));
  }
}
