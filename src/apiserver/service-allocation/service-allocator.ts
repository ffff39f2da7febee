// The Service allocator hook: gives Services their ClusterIP (from the service CIDR) and
// node ports (from the node-port range) as the object is written, and gives them back when
// a Service is deleted or changes type — Kubernetes' pkg/registry/core/service/storage
// alloc.go, with store-key reservations (range-reservations.ts) in place of bitmaps so that
// several API servers on one store stay consistent.
import type { FieldError } from '../../api/field-errors.ts';
import { invalid as invalidField } from '../../api/field-errors.ts';
import type { KubeObject } from '../../api/resource-type.ts';
import type { Store } from '../../storage/store.ts';
import { internalError, invalid } from '../errors.ts';
import type { ResourceWriteHooks, WriteHookTransaction } from '../storage/write-hooks.ts';
import { type IPv4Range, ipAt, offsetOf, parseIPv4 } from './ip-range.ts';
import { RangeReservations, type ReservationOwner } from './range-reservations.ts';

export const allocationPrefix = '/registry/hale-allocations/';

export interface ServiceAllocatorOptions {
  serviceRange: IPv4Range;
  nodePorts: { first: number; last: number };
}

const needsClusterIP = (type: string | undefined) => type !== 'ExternalName';
const needsNodePorts = (spec: Record<string, any>) =>
  spec.type === 'NodePort' || (spec.type === 'LoadBalancer' && spec.allocateLoadBalancerNodePorts !== false);

/** The ClusterIP a Service holds (undefined for headless and ExternalName services). */
export function heldClusterIP(svc: KubeObject | undefined): string | undefined {
  const spec = svc?.spec;
  if (!spec || !needsClusterIP(spec.type)) return undefined;
  const ip: string | undefined = spec.clusterIPs?.[0] ?? spec.clusterIP;
  return ip && ip !== 'None' ? ip : undefined;
}

/** Every node port a Service holds, health-check node port included. */
export function heldNodePorts(svc: KubeObject | undefined): number[] {
  const spec = svc?.spec;
  if (!spec) return [];
  const ports = new Set<number>();
  for (const p of Array.isArray(spec.ports) ? spec.ports : []) if (Number.isInteger(p?.nodePort) && p.nodePort > 0) ports.add(p.nodePort);
  if (Number.isInteger(spec.healthCheckNodePort) && spec.healthCheckNodePort > 0) ports.add(spec.healthCheckNodePort);
  return [...ports];
}

export class ServiceAllocator implements ResourceWriteHooks {
  readonly ips: RangeReservations;
  readonly ports: RangeReservations;

  constructor(
    store: Store,
    readonly opts: ServiceAllocatorOptions,
  ) {
    const range = opts.serviceRange;
    this.ips = new RangeReservations(
      store,
      `${allocationPrefix}clusterips/`,
      1,
      range.size - 2,
      (offset) => ipAt(range, offset),
      (ip) => offsetOf(range, ip),
      { min: 16, max: 256, divisor: 16 },
    );
    this.ports = new RangeReservations(
      store,
      `${allocationPrefix}nodeports/`,
      opts.nodePorts.first,
      opts.nodePorts.last,
      String,
      (text) => (/^\d+$/.test(text) ? Number(text) : undefined),
      { min: 16, max: 128, divisor: 32 },
    );
  }

  async beforeWrite(old: KubeObject | undefined, svc: KubeObject): Promise<WriteHookTransaction> {
    const owner: ReservationOwner = { namespace: svc.metadata?.namespace ?? '', name: svc.metadata?.name ?? '' };
    const reserved: (() => Promise<void>)[] = [];
    const revert = async () => {
      for (const undo of reserved.reverse()) await undo().catch(() => undefined);
    };
    try {
      await this.allocateClusterIP(old, svc, owner, reserved);
      await this.allocateNodePorts(old, svc, owner, reserved);
    } catch (err) {
      await revert();
      throw err;
    }
    return {
      revert,
      // After the write: give back what the old object held and the new one does not.
      commit: () => this.releaseUnused(old, svc, owner),
    };
  }

  async afterDelete(svc: KubeObject): Promise<void> {
    await this.releaseUnused(svc, undefined, { namespace: svc.metadata?.namespace ?? '', name: svc.metadata?.name ?? '' });
  }

  private async releaseUnused(old: KubeObject | undefined, svc: KubeObject | undefined, owner: ReservationOwner): Promise<void> {
    const oldIP = heldClusterIP(old);
    if (oldIP && oldIP !== heldClusterIP(svc)) {
      const offset = offsetOf(this.opts.serviceRange, oldIP);
      if (offset !== undefined) await this.ips.release(offset, owner);
    }
    const keep = new Set(heldNodePorts(svc));
    for (const port of heldNodePorts(old)) if (!keep.has(port) && this.ports.contains(port)) await this.ports.release(port, owner);
  }

  private async allocateClusterIP(
    old: KubeObject | undefined,
    svc: KubeObject,
    owner: ReservationOwner,
    reserved: (() => Promise<void>)[],
  ): Promise<void> {
    const spec = svc.spec;
    if (!spec || !needsClusterIP(spec.type)) return;
    spec.ipFamilies ??= ['IPv4'];
    const requested: string | undefined = spec.clusterIPs?.[0] ?? spec.clusterIP ?? undefined;
    if (requested === 'None') {
      spec.clusterIP = 'None';
      spec.clusterIPs = ['None'];
      return;
    }
    if (requested && requested === heldClusterIP(old)) return;
    const range = this.opts.serviceRange;
    if (requested) {
      const fail = (detail: string) =>
        invalid('', 'Service', owner.name, [
          invalidField('spec.clusterIPs', spec.clusterIPs ?? [requested], `failed to allocate IP ${requested}: ${detail}`),
        ]);
      if (parseIPv4(requested) === undefined) throw fail('IPv6 is not configured on this cluster');
      const offset = offsetOf(range, requested);
      if (offset === undefined) {
        throw fail(`the provided IP (${requested}) is not in the valid range. The range of valid IPs is ${range.cidr}`);
      }
      const outcome = await this.ips.reserve(offset, owner);
      if (!outcome) throw fail('provided IP is already allocated');
      // Only what this write took is given back if it fails (say, the Service exists already).
      if (outcome === 'reserved') reserved.push(() => this.ips.release(offset, owner));
      spec.clusterIP = requested;
      spec.clusterIPs = [requested];
      return;
    }
    const offset = await this.ips.reserveAny(owner);
    if (offset === undefined) throw internalError('failed to allocate a serviceIP: range is full');
    reserved.push(() => this.ips.release(offset, owner));
    spec.clusterIP = ipAt(range, offset);
    spec.clusterIPs = [spec.clusterIP];
  }

  private async allocateNodePorts(
    old: KubeObject | undefined,
    svc: KubeObject,
    owner: ReservationOwner,
    reserved: (() => Promise<void>)[],
  ): Promise<void> {
    const spec = svc.spec;
    if (!spec) return;
    const oldPorts = new Set(heldNodePorts(old));
    const ours = new Set<number>();
    const errors: FieldError[] = [];
    const claim = async (port: number, field: string): Promise<void> => {
      if (oldPorts.has(port) || ours.has(port)) {
        ours.add(port);
        return;
      }
      if (!this.ports.contains(port)) {
        errors.push(
          invalidField(
            field,
            port,
            `provided port is not in the valid range. The range of valid ports is ${this.ports.first}-${this.ports.last}`,
          ),
        );
        return;
      }
      const outcome = await this.ports.reserve(port, owner);
      if (!outcome) {
        errors.push(invalidField(field, port, 'provided port is already allocated'));
        return;
      }
      ours.add(port);
      if (outcome === 'reserved') reserved.push(() => this.ports.release(port, owner));
    };
    const ports: Record<string, any>[] = Array.isArray(spec.ports) ? spec.ports : [];
    const allocate = needsNodePorts(spec);
    // Requested ports first, so a dynamic pick never takes a port asked for later in the list.
    for (const [i, port] of ports.entries()) if (port.nodePort) await claim(port.nodePort, `spec.ports[${i}].nodePort`);
    if (allocate) {
      for (const port of ports) {
        if (port.nodePort) continue;
        // The same port number for TCP and UDP shares one node port, as in Kubernetes.
        const sibling = ports.find((p) => p !== port && p.port === port.port && p.nodePort);
        if (sibling) {
          port.nodePort = sibling.nodePort;
          continue;
        }
        port.nodePort = await this.anyPort(owner, reserved, ours);
      }
    }
    if (spec.type === 'LoadBalancer' && spec.externalTrafficPolicy === 'Local') {
      if (spec.healthCheckNodePort) await claim(spec.healthCheckNodePort, 'spec.healthCheckNodePort');
      else spec.healthCheckNodePort = await this.anyPort(owner, reserved, ours);
    }
    if (errors.length) throw invalid('', 'Service', owner.name, errors);
  }

  private async anyPort(owner: ReservationOwner, reserved: (() => Promise<void>)[], ours: Set<number>): Promise<number> {
    const port = await this.ports.reserveAny(owner);
    if (port === undefined) throw internalError('failed to allocate a nodePort: range is full');
    reserved.push(() => this.ports.release(port, owner));
    ours.add(port);
    return port;
  }
}
