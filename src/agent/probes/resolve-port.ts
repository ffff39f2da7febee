// A probe's or hook's `port` is a number or the name of one of the container's ports. Like the
// kubelet, a name that matches no port is tried as a number before giving up, so the error a
// user sees for a misspelt name is Go's `strconv.Atoi: parsing "http": invalid syntax`.

import { goQuote } from '../../api/go-quote.ts';
import type { KubeObject } from '../../api/resource-type.ts';

export class PortError extends Error {}

export function resolveContainerPort(port: unknown, container: KubeObject): number {
  let resolved: number;
  if (typeof port === 'number') {
    resolved = port;
  } else {
    const name = typeof port === 'string' ? port : String(port ?? '');
    const named = (Array.isArray(container.ports) ? container.ports : []).find((p: KubeObject) => p?.name === name);
    if (named && typeof named.containerPort === 'number') {
      resolved = named.containerPort;
    } else if (/^[+-]?\d+$/.test(name)) {
      resolved = Number(name);
    } else {
      throw new PortError(`strconv.Atoi: parsing ${goQuote(name)}: invalid syntax`);
    }
  }
  if (!Number.isInteger(resolved) || resolved <= 0 || resolved >= 65536) throw new PortError(`invalid port number: ${resolved}`);
  return resolved;
}
