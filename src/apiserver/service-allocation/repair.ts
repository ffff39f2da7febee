// Repairs the Service IP and node-port reservations against the Services really stored, as
// Kubernetes' repair controllers do at start and every few minutes: a Service whose IP or
// port lacks a reservation gets one (data written before reservations existed, or by a
// crashed server); a reservation no Service holds is a leak and is released. Reservations
// younger than a minute are left alone: their Service may still be on its way to the store.
import type { Logger } from 'pino';
import type { KubeObject } from '../../api/resource-type.ts';
import type { ResourceStore } from '../storage/resource-store.ts';
import { offsetOf } from './ip-range.ts';
import { type ReservationOwner, sameOwner } from './range-reservations.ts';
import { heldClusterIP, heldNodePorts, type ServiceAllocator } from './service-allocator.ts';

const youngReservationMs = 60_000;

export interface RepairReport {
  /** Reservations created for values a Service held without one. */
  adopted: number;
  /** Reservations released because no Service holds them. */
  released: number;
  /** Values held by two Services, or outside the configured ranges (logged). */
  problems: string[];
}

export async function repairServiceAllocations(
  allocator: ServiceAllocator,
  services: ResourceStore,
  logger?: Logger,
  now = Date.now(),
): Promise<RepairReport> {
  const report: RepairReport = { adopted: 0, released: 0, problems: [] };
  const { items } = await services.list({});
  // First who holds what, according to the Services themselves.
  const ipHolders = new Map<number, ReservationOwner>();
  const portHolders = new Map<number, ReservationOwner>();
  const note = (holders: Map<number, ReservationOwner>, value: number, owner: ReservationOwner, what: string) => {
    const other = holders.get(value);
    if (other && !sameOwner(other, owner)) {
      report.problems.push(`${what} of ${describe(owner)} is also held by ${describe(other)}`);
    } else holders.set(value, owner);
  };
  for (const svc of items) {
    const owner = ownerOf(svc);
    const ip = heldClusterIP(svc);
    if (ip) {
      const offset = offsetOf(allocator.opts.serviceRange, ip);
      if (offset === undefined) report.problems.push(`Cluster IP ${ip} of ${describe(owner)} is not within the service CIDR`);
      else note(ipHolders, offset, owner, `Cluster IP ${ip}`);
    }
    for (const port of heldNodePorts(svc)) {
      if (!allocator.ports.contains(port))
        report.problems.push(`Node port ${port} of ${describe(owner)} is not within the node port range`);
      else note(portHolders, port, owner, `Node port ${port}`);
    }
  }
  // Then make the reservations agree.
  for (const [reservations, holders] of [
    [allocator.ips, ipHolders],
    [allocator.ports, portHolders],
  ] as const) {
    for (const [value, owner] of holders) {
      const existing = await reservations.holder(value);
      if (existing && sameOwner(existing.owner, owner)) continue;
      // Reserved for a Service that does not hold it (a leak) while this one does: hand it over.
      if (existing) await reservations.release(value, existing.owner);
      if (await reservations.reserve(value, owner)) report.adopted++;
    }
    for (const r of await reservations.list()) {
      if (holders.has(r.value) || now - r.at < youngReservationMs) continue;
      await reservations.release(r.value, r.owner);
      report.released++;
    }
  }
  for (const problem of report.problems) logger?.warn({ problem }, 'service allocation repair');
  if (report.adopted || report.released)
    logger?.info({ adopted: report.adopted, released: report.released }, 'repaired service allocations');
  return report;
}

const describe = (owner: ReservationOwner) => `${owner.namespace}/${owner.name}`;

function ownerOf(svc: KubeObject): ReservationOwner {
  return { namespace: svc.metadata?.namespace ?? '', name: svc.metadata?.name ?? '' };
}
