import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatFieldError } from '../../field-errors.ts';
import type { KubeObject } from '../../resource-type.ts';
import { serviceExternalIP, servicePorts, serviceResource } from './service.ts';

const svc = (spec: Record<string, unknown>, name = 'web'): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: 'default', creationTimestamp: '2024-01-01T00:00:00Z' },
  spec,
});

const defaulted = (o: KubeObject): KubeObject => {
  serviceResource.defaults?.(o);
  return o;
};
const messages = (o: KubeObject): string[] => (serviceResource.validate?.(o) ?? []).map(formatFieldError);

describe('service defaults', () => {
  it('fills type, affinity, protocol, targetPort and traffic policies', () => {
    const s = defaulted(svc({ selector: { app: 'web' }, ports: [{ port: 80 }] }));
    assert.equal(s.spec.type, 'ClusterIP');
    assert.equal(s.spec.sessionAffinity, 'None');
    assert.deepEqual(s.spec.ports, [{ port: 80, protocol: 'TCP', targetPort: 80 }]);
    assert.equal(s.spec.internalTrafficPolicy, 'Cluster');
    serviceResource.prepareForCreate?.(s);
    assert.equal(s.spec.ipFamilyPolicy, 'SingleStack');
    assert.equal(s.spec.externalTrafficPolicy, undefined);
    assert.equal(s.spec.allocateLoadBalancerNodePorts, undefined);
  });

  it('defaults external traffic policy and node-port allocation for LoadBalancer', () => {
    const s = defaulted(svc({ type: 'LoadBalancer', ports: [{ port: 443, targetPort: 'https' }] }));
    assert.equal(s.spec.externalTrafficPolicy, 'Cluster');
    assert.equal(s.spec.allocateLoadBalancerNodePorts, true);
    assert.equal(s.spec.ports[0].targetPort, 'https');
  });

  it('gives ClientIP affinity the default timeout and ExternalName no IP family policy', () => {
    assert.equal(
      defaulted(svc({ sessionAffinity: 'ClientIP', ports: [{ port: 1 }] })).spec.sessionAffinityConfig.clientIP.timeoutSeconds,
      10800,
    );
    const ext = defaulted(svc({ type: 'ExternalName', externalName: 'example.com' }));
    assert.equal(ext.spec.ipFamilyPolicy, undefined);
    assert.equal(ext.spec.internalTrafficPolicy, undefined);
  });
});

describe('service validation', () => {
  it('accepts a defaulted ClusterIP service', () => {
    assert.deepEqual(messages(defaulted(svc({ selector: { app: 'web' }, ports: [{ port: 80 }] }))), []);
  });

  it('requires ports and names when there are several', () => {
    assert.deepEqual(messages(defaulted(svc({}))), ['spec.ports: Required value']);
    const two = defaulted(svc({ ports: [{ port: 80 }, { port: 81, name: 'b' }] }));
    assert.deepEqual(messages(two), ['spec.ports[0].name: Required value']);
  });

  it('rejects duplicate names, bad ports, protocols and types', () => {
    const s = defaulted(
      svc({
        type: 'Bogus',
        ports: [
          { name: 'a', port: 80 },
          { name: 'a', port: 70000, protocol: 'ICMP' },
        ],
      }),
    );
    assert.deepEqual(messages(s), [
      'spec.type: Unsupported value: "Bogus": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"',
      'spec.ports[1].name: Duplicate value: "a"',
      'spec.ports[1].port: Invalid value: 70000: must be between 1 and 65535, inclusive',
      'spec.ports[1].protocol: Unsupported value: "ICMP": supported values: "SCTP", "TCP", "UDP"',
      'spec.ports[1].targetPort: Invalid value: 70000: must be between 1 and 65535, inclusive',
    ]);
  });

  it('forbids node ports on ClusterIP services and checks the selector', () => {
    const s = defaulted(svc({ selector: { 'bad key!': 'x' }, ports: [{ port: 80, nodePort: 30080 }] }));
    const msgs = messages(s);
    assert.ok(msgs.includes("spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'"), msgs.join('\n'));
    assert.ok(
      msgs.some((m) => m.startsWith('spec.selector: Invalid value: "bad key!"')),
      msgs.join('\n'),
    );
  });

  it('does not let NodePort and LoadBalancer services be headless', () => {
    for (const type of ['NodePort', 'LoadBalancer']) {
      const s = defaulted(svc({ type, clusterIP: 'None', clusterIPs: ['None'], ports: [{ port: 80 }] }));
      assert.ok(
        messages(s).includes(`spec.clusterIPs[0]: Invalid value: "None": may not be set to 'None' for ${type} services`),
        messages(s).join('\n'),
      );
    }
  });

  it('names are DNS-1035 labels', () => {
    // The name rule is applied with the rest of metadata (storage/resource-store.ts).
    assert.match(serviceResource.nameValidator?.('1web', false)[0] ?? '', /^a DNS-1035 label must consist of/);
    assert.deepEqual(serviceResource.nameValidator?.('web-', true), [], 'a generateName prefix may end in a dash');
  });

  it('requires externalName for ExternalName services', () => {
    assert.deepEqual(messages(defaulted(svc({ type: 'ExternalName' }))), ['spec.externalName: Required value']);
  });

  it('does not let the cluster IP change on update', () => {
    const old = defaulted(svc({ clusterIP: '10.0.0.5', clusterIPs: ['10.0.0.5'], ports: [{ port: 80 }] }));
    const next = defaulted(svc({ clusterIP: '10.0.0.6', ports: [{ port: 80 }] }));
    serviceResource.prepareForUpdate?.(next, old);
    assert.deepEqual((serviceResource.validateUpdate?.(next, old) ?? []).map(formatFieldError), [
      'spec.clusterIPs[0]: Invalid value: []string{"10.0.0.6"}: may not change once set',
    ]);
  });

  it('keeps allocated cluster IP and node ports a client left out', () => {
    const old = defaulted(
      svc({ type: 'NodePort', clusterIP: '10.0.0.5', clusterIPs: ['10.0.0.5'], ports: [{ port: 80, nodePort: 30080 }] }),
    );
    const next = defaulted(svc({ type: 'NodePort', ports: [{ port: 80 }] }));
    serviceResource.prepareForUpdate?.(next, old);
    assert.equal(next.spec.clusterIP, '10.0.0.5');
    assert.deepEqual(next.spec.clusterIPs, ['10.0.0.5']);
    assert.equal(next.spec.ports[0].nodePort, 30080);
  });

  it('fills clusterIPs from clusterIP on create and clears status', () => {
    const s = defaulted(svc({ clusterIP: '10.0.0.9', ports: [{ port: 80 }] }));
    s.status = { loadBalancer: { ingress: [{ ip: '1.2.3.4' }] } };
    serviceResource.prepareForCreate?.(s);
    assert.deepEqual(s.spec.clusterIPs, ['10.0.0.9']);
    assert.deepEqual(s.status, { loadBalancer: {} });
  });

  it('shows status.loadBalancer as {} like Kubernetes (a struct Go never omits), on writes and on reads', () => {
    assert.deepEqual(defaulted(svc({ ports: [{ port: 80 }] })).status, { loadBalancer: {} });
    const statusless = defaulted(svc({ ports: [{ port: 80 }] }));
    statusless.status = {};
    assert.deepEqual(defaulted(statusless).status, { loadBalancer: {} });
    // Stored before this was so, or written by a status update that left it out.
    const stored = { ...svc({ ports: [{ port: 80 }] }), status: {} };
    assert.deepEqual(serviceResource.fromStorage?.(stored)?.status, { loadBalancer: {} });
    const lb = { ...svc({ type: 'LoadBalancer' }), status: { loadBalancer: { ingress: [{ ip: '192.0.2.1' }] } } };
    assert.deepEqual(serviceResource.fromStorage?.(lb)?.status, { loadBalancer: { ingress: [{ ip: '192.0.2.1' }] } });
  });

  it('drops an empty selector, as Kubernetes stores selector: {} as no selector', () => {
    assert.equal('selector' in defaulted(svc({ selector: {}, ports: [{ port: 80 }] })).spec, false);
    assert.deepEqual(defaulted(svc({ selector: { app: 'web' }, ports: [{ port: 80 }] })).spec.selector, { app: 'web' });
  });
});

describe('service IP family defaults (initIPFamilyFields on a single-stack IPv4 cluster)', () => {
  const created = (spec: Record<string, unknown>): KubeObject => {
    const s = defaulted(svc({ ports: [{ port: 80 }], ...spec }));
    serviceResource.prepareForCreate?.(s);
    return s;
  };

  it('gives headless selectorless services RequireDualStack and both families', () => {
    const s = created({ clusterIP: 'None' });
    assert.equal(s.spec.ipFamilyPolicy, 'RequireDualStack');
    assert.deepEqual(s.spec.ipFamilies, ['IPv4', 'IPv6']);
    assert.deepEqual(created({ clusterIP: 'None', ipFamilyPolicy: 'PreferDualStack' }).spec.ipFamilies, ['IPv4', 'IPv6']);
    assert.deepEqual(created({ clusterIP: 'None', ipFamilies: ['IPv6'] }).spec.ipFamilies, ['IPv6', 'IPv4']);
    const single = created({ clusterIP: 'None', ipFamilyPolicy: 'SingleStack' });
    assert.equal(single.spec.ipFamilyPolicy, 'SingleStack');
    assert.deepEqual(single.spec.ipFamilies, ['IPv4']);
    assert.deepEqual(serviceResource.validate?.(s), []);
  });

  it('gives other services SingleStack', () => {
    assert.equal(created({ clusterIP: 'None', selector: { app: 'web' } }).spec.ipFamilyPolicy, 'SingleStack');
    assert.equal(created({}).spec.ipFamilyPolicy, 'SingleStack');
    assert.equal(created({ type: 'ExternalName', externalName: 'example.com' }).spec.ipFamilyPolicy, undefined);
  });

  it('keeps the old policy on an update that leaves it out, and trims families when it turns SingleStack', () => {
    const old = created({ clusterIP: 'None' });
    const next = defaulted(svc({ clusterIP: 'None', selector: { app: 'web' }, ipFamilies: ['IPv4', 'IPv6'], ports: [{ port: 80 }] }));
    serviceResource.prepareForUpdate?.(next, old);
    assert.equal(next.spec.ipFamilyPolicy, 'RequireDualStack');
    assert.deepEqual(next.spec.ipFamilies, ['IPv4', 'IPv6']);
    const single = defaulted(
      svc({ clusterIP: 'None', ipFamilyPolicy: 'SingleStack', ipFamilies: ['IPv4', 'IPv6'], ports: [{ port: 80 }] }),
    );
    serviceResource.prepareForUpdate?.(single, old);
    assert.deepEqual(single.spec.ipFamilies, ['IPv4']);
  });
});

describe('service IP family checks (a single-stack IPv4 cluster, as alloc.go and ValidateService)', () => {
  const created = (spec: Record<string, unknown>): KubeObject => {
    const s = defaulted(svc({ selector: { app: 'web' }, ports: [{ port: 80 }], ...spec }));
    serviceResource.prepareForCreate?.(s);
    return s;
  };
  const refusals = (spec: Record<string, unknown>): string[] => messages(created(spec));
  const updated = (old: KubeObject, spec: Record<string, unknown>): string[] => {
    const next = defaulted(svc({ selector: { app: 'web' }, ports: [{ port: 80 }], ...spec }));
    serviceResource.prepareForUpdate?.(next, old);
    return [...(serviceResource.validate?.(next) ?? []), ...(serviceResource.validateUpdate?.(next, old) ?? [])].map(formatFieldError);
  };
  // What the allocator stores for a plain ClusterIP Service.
  const stored = (spec: Record<string, unknown> = {}): KubeObject => {
    const s = created(spec);
    Object.assign(s.spec, { clusterIP: '10.43.0.5', clusterIPs: ['10.43.0.5'], ipFamilies: ['IPv4'] }, spec);
    return s;
  };

  it('refuses RequireDualStack and IPv6, and takes PreferDualStack', () => {
    assert.deepEqual(refusals({ ipFamilyPolicy: 'RequireDualStack' }), [
      'spec.ipFamilyPolicy: Invalid value: "RequireDualStack": this cluster is not configured for dual-stack services',
    ]);
    assert.deepEqual(refusals({ ipFamilies: ['IPv6'] }), ['spec.ipFamilies[0]: Invalid value: "IPv6": not configured on this cluster']);
    assert.deepEqual(refusals({ ipFamilyPolicy: 'PreferDualStack', ipFamilies: ['IPv4', 'IPv6'] }), [
      'spec.ipFamilies[1]: Invalid value: "IPv6": not configured on this cluster',
    ]);
    assert.deepEqual(refusals({ ipFamilyPolicy: 'RequireDualStack', ipFamilies: ['IPv4', 'IPv6'] }), [
      'spec.ipFamilyPolicy: Invalid value: "RequireDualStack": this cluster is not configured for dual-stack services',
      'spec.ipFamilies[1]: Invalid value: "IPv6": not configured on this cluster',
    ]);
    assert.deepEqual(refusals({ ipFamilies: ['IPv4', 'IPv6'] }), [
      `spec.ipFamilyPolicy: Invalid value: "SingleStack": must be 'RequireDualStack' or 'PreferDualStack' when multiple IP families are specified`,
    ]);
    assert.deepEqual(refusals({ ipFamilyPolicy: 'PreferDualStack' }), []);
    assert.deepEqual(refusals({ ipFamilyPolicy: 'PreferDualStack', ipFamilies: ['IPv4'] }), []);
  });

  it('refuses two cluster IPs, IPv6 ones, and families that disagree with the IP', () => {
    assert.deepEqual(refusals({ clusterIPs: ['10.43.0.5', 'fd00::5'], clusterIP: '10.43.0.5' }), [
      `spec.ipFamilyPolicy: Invalid value: "SingleStack": must be 'RequireDualStack' or 'PreferDualStack' when multiple cluster IPs are specified`,
      'spec.clusterIPs[1]: Invalid value: []string{"10.43.0.5", "fd00::5"}: IPv6 is not configured on this cluster',
    ]);
    assert.deepEqual(refusals({ clusterIPs: ['10.43.0.5', '10.43.0.6'], clusterIP: '10.43.0.5', ipFamilyPolicy: 'PreferDualStack' }), [
      'spec.clusterIPs: Invalid value: []string{"10.43.0.5", "10.43.0.6"}: may specify no more than one IP for each IP family',
    ]);
    assert.deepEqual(refusals({ clusterIP: 'fd00::5' }), [
      'spec.clusterIPs[0]: Invalid value: []string{"fd00::5"}: IPv6 is not configured on this cluster',
    ]);
    assert.deepEqual(refusals({ clusterIP: '10.43.0.5', ipFamilies: ['IPv6'] }), [
      'spec.clusterIPs[0]: Invalid value: "10.43.0.5": expected an IPv6 value as indicated by `ipFamilies[0]`',
    ]);
    assert.deepEqual(refusals({ clusterIP: 'fd00::5', ipFamilies: ['IPv4'] }), [
      'spec.clusterIPs[0]: Invalid value: "fd00::5": expected an IPv4 value as indicated by `ipFamilies[0]`',
    ]);
    assert.deepEqual(refusals({ clusterIP: 'None', clusterIPs: ['None', '10.43.0.5'] }), [
      `spec.clusterIPs: Invalid value: []string{"None", "10.43.0.5"}: 'None' must be the first and only value`,
    ]);
    assert.deepEqual(refusals({ ipFamilies: ['IPv4', 'IPv4'], ipFamilyPolicy: 'PreferDualStack' }), [
      'spec.ipFamilies[1]: Duplicate value: "IPv4"',
    ]);
  });

  it('answers with the IP errors alone, as Kubernetes checks them before the rest', () => {
    assert.deepEqual(refusals({ ipFamilyPolicy: 'RequireDualStack', ports: [] }), [
      'spec.ipFamilyPolicy: Invalid value: "RequireDualStack": this cluster is not configured for dual-stack services',
    ]);
  });

  it('leaves headless selectorless services dual-stack, but not headless ones with a selector', () => {
    assert.deepEqual(refusals({ clusterIP: 'None', selector: undefined }), []);
    assert.deepEqual(
      refusals({ clusterIP: 'None', selector: undefined, ipFamilies: ['IPv6', 'IPv4'], ipFamilyPolicy: 'RequireDualStack' }),
      [],
    );
    assert.deepEqual(refusals({ clusterIP: 'None', ipFamilyPolicy: 'RequireDualStack' }), [
      'spec.ipFamilyPolicy: Invalid value: "RequireDualStack": this cluster is not configured for dual-stack services',
    ]);
  });

  it('forbids IP family fields on ExternalName services', () => {
    assert.deepEqual(
      messages(defaulted(svc({ type: 'ExternalName', externalName: 'example.com', ipFamilyPolicy: 'SingleStack', ipFamilies: ['IPv4'] }))),
      [
        'spec.ipFamilies: Forbidden: may not be set for ExternalName services',
        'spec.ipFamilyPolicy: Forbidden: may not be set for ExternalName services',
      ],
    );
  });

  it('refuses family changes on update', () => {
    assert.deepEqual(updated(stored(), {}), []);
    assert.deepEqual(updated(stored(), { ipFamilyPolicy: 'PreferDualStack' }), []);
    assert.deepEqual(updated(stored(), { ipFamilies: ['IPv6'] }), [
      'spec.clusterIPs[0]: Invalid value: "10.43.0.5": expected an IPv6 value as indicated by `ipFamilies[0]`',
    ]);
    assert.deepEqual(updated(stored(), { ipFamilyPolicy: 'RequireDualStack' }), [
      'spec.ipFamilyPolicy: Invalid value: "RequireDualStack": this cluster is not configured for dual-stack services',
    ]);
    assert.deepEqual(updated(stored(), { ipFamilies: ['IPv4', 'IPv6'], ipFamilyPolicy: 'PreferDualStack' }), [
      'spec.ipFamilies[1]: Invalid value: "IPv6": not configured on this cluster',
    ]);
  });

  it('lets a headless selectorless service drop its secondary family only by turning SingleStack', () => {
    const old = created({ clusterIP: 'None', selector: undefined });
    assert.deepEqual(old.spec.ipFamilies, ['IPv4', 'IPv6']);
    assert.deepEqual(updated(old, { clusterIP: 'None', selector: undefined, ipFamilies: ['IPv4'] }), [
      `spec.ipFamilyPolicy: Invalid value: "RequireDualStack": must be 'SingleStack' to release the secondary IP family`,
    ]);
    assert.deepEqual(updated(old, { clusterIP: 'None', selector: undefined, ipFamilies: ['IPv4'], ipFamilyPolicy: 'SingleStack' }), []);
    assert.deepEqual(updated(old, { clusterIP: 'None', selector: undefined, ipFamilies: ['IPv6', 'IPv4'] }), []);
  });
});

describe('service table', () => {
  const now = new Date('2024-01-01T00:05:00Z');

  it('prints the kubectl columns', () => {
    assert.deepEqual(
      serviceResource.table?.columns.map((c) => `${c.name}/${c.priority}`),
      ['Name/0', 'Type/0', 'Cluster-IP/0', 'External-IP/0', 'Port(s)/0', 'Age/0', 'Selector/1'],
    );
    const s = defaulted(svc({ clusterIP: '10.0.0.1', selector: { tier: 'fe', app: 'web' }, ports: [{ port: 80 }] }));
    assert.deepEqual(serviceResource.table?.row(s, now), ['web', 'ClusterIP', '10.0.0.1', '<none>', '80/TCP', '5m', 'app=web,tier=fe']);
  });

  it('formats node ports, headless and selector-less services', () => {
    const s = defaulted(
      svc({
        type: 'NodePort',
        ports: [
          { port: 80, nodePort: 30080 },
          { port: 53, protocol: 'UDP', name: 'dns' },
        ],
      }),
    );
    assert.equal(servicePorts(s), '80:30080/TCP,53/UDP');
    const row = serviceResource.table?.row(defaulted(svc({ clusterIP: 'None' })), now) ?? [];
    assert.deepEqual(row.slice(2), ['None', '<none>', '<none>', '5m', '<none>']);
  });

  it('shows load-balancer addresses, pending state and external names', () => {
    const lb = defaulted(svc({ type: 'LoadBalancer', ports: [{ port: 80 }] }));
    assert.equal(serviceExternalIP(lb), '<pending>');
    lb.status = { loadBalancer: { ingress: [{ ip: '203.0.113.9' }, { hostname: 'lb.example.com' }] } };
    assert.equal(serviceExternalIP(lb), '203.0.113.9,lb.example.com');
    lb.spec.externalIPs = ['198.51.100.1'];
    assert.equal(serviceExternalIP(lb), '203.0.113.9,lb.example.com,198.51.100.1');
    assert.equal(serviceExternalIP(svc({ type: 'ExternalName', externalName: 'db.example.com' })), 'db.example.com');
  });
});

describe('service field selectors', () => {
  it('select on spec.clusterIP and spec.type, as Kubernetes 1.31', () => {
    const svc: KubeObject = { spec: { type: 'NodePort', clusterIP: '10.43.0.7' } };
    assert.deepEqual(serviceResource.selectableFields!(svc), { 'spec.clusterIP': '10.43.0.7', 'spec.type': 'NodePort' });
  });
});
