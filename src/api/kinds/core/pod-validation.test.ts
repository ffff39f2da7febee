import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatFieldError } from '../../field-errors.ts';
import { defaultPodSpec } from './pod-defaults.ts';
import { validatePodSpec, validatePodSpecUpdate, validatePodTemplateSpec, validateResourceRequirements } from './pod-validation.ts';

type Json = Record<string, any>;

/** A defaulted, valid pod spec; `change` edits it before defaulting. */
function spec(change: (s: Json) => void = () => {}): Json {
  const s: Json = {
    containers: [
      {
        name: 'web',
        image: 'nginx:1.25',
        ports: [{ name: 'http', containerPort: 80 }],
        volumeMounts: [{ name: 'data', mountPath: '/data' }],
      },
    ],
    volumes: [{ name: 'data', emptyDir: {} }],
  };
  change(s);
  defaultPodSpec(s);
  return s;
}

const messages = (s: Json, path = 'spec'): string[] => validatePodSpec(s, path, { isPod: true }).map(formatFieldError);

describe('validatePodSpec', () => {
  it('accepts a valid, defaulted spec', () => {
    assert.deepEqual(messages(spec()), []);
  });

  it('keeps projected token paths inside the volume', () => {
    const withTokenPath = (path: string) =>
      spec((s) => {
        s.volumes.push({ name: 'token', projected: { sources: [{ serviceAccountToken: { path } }] } });
      });
    assert.deepEqual(messages(withTokenPath('token')), []);
    assert.deepEqual(messages(withTokenPath('../t')), [
      `spec.volumes[1].projected.sources[0].serviceAccountToken.path: Invalid value: "../t": must not contain '..'`,
    ]);
    assert.deepEqual(messages(withTokenPath('/etc/t')), [
      `spec.volumes[1].projected.sources[0].serviceAccountToken.path: Invalid value: "/etc/t": must be a relative path`,
    ]);
  });

  it('requires at least one container', () => {
    assert.deepEqual(
      messages(
        spec((s) => {
          s.containers = [];
          s.volumes = [];
        }),
      ),
      ['spec.containers: Required value'],
    );
  });

  it('checks container names and images', () => {
    const s = spec((x) => {
      x.containers.push({ name: 'Web_1', image: '' }, { name: 'web', image: 'nginx' });
    });
    assert.deepEqual(messages(s), [
      "spec.containers[1].name: Invalid value: \"Web_1\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
      'spec.containers[1].image: Required value',
      'spec.containers[2].name: Duplicate value: "web"',
    ]);
  });

  it('rejects init container names that clash with containers', () => {
    const s = spec((x) => {
      x.initContainers = [{ name: 'web', image: 'busybox' }];
    });
    assert.deepEqual(messages(s), ['spec.initContainers[0].name: Duplicate value: "web"']);
  });

  it('checks ports', () => {
    const s = spec((x) => {
      x.containers[0].ports = [
        { containerPort: 0 },
        { containerPort: 70000, hostPort: -1 },
        { name: 'http', containerPort: 81, protocol: 'HTTP' },
        { name: 'http', containerPort: 82 },
      ];
    });
    assert.deepEqual(messages(s), [
      'spec.containers[0].ports[0].containerPort: Required value',
      'spec.containers[0].ports[1].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive',
      'spec.containers[0].ports[1].hostPort: Invalid value: -1: must be between 1 and 65535, inclusive',
      'spec.containers[0].ports[2].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"',
      'spec.containers[0].ports[3].name: Duplicate value: "http"',
    ]);
  });

  it('checks restartPolicy and dnsPolicy against the supported values', () => {
    const s = spec((x) => {
      x.restartPolicy = 'Sometimes';
      x.dnsPolicy = 'Cluster';
    });
    assert.deepEqual(messages(s), [
      'spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"',
      'spec.dnsPolicy: Unsupported value: "Cluster": supported values: "ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"',
    ]);
  });

  it('checks probe numbers and handlers', () => {
    const s = spec((x) => {
      x.containers[0].livenessProbe = { httpGet: { port: 80 }, successThreshold: 2, initialDelaySeconds: -5 };
      x.containers[0].readinessProbe = { periodSeconds: 3 };
      x.containers[0].startupProbe = { exec: { command: ['true'] }, tcpSocket: { port: 'http' } };
    });
    assert.deepEqual(messages(s), [
      'spec.containers[0].livenessProbe.initialDelaySeconds: Invalid value: -5: must be greater than or equal to 0',
      'spec.containers[0].livenessProbe.successThreshold: Invalid value: 2: must be 1',
      'spec.containers[0].readinessProbe: Required value: must specify a handler type',
      'spec.containers[0].startupProbe.tcpSocket: Forbidden: may not specify more than 1 handler type',
    ]);
  });

  it('checks resource names and quantities, and requests against limits', () => {
    const s = spec((x) => {
      x.containers[0].resources = {
        limits: { cpu: '500m', memory: '1Gi', gpu: '1' },
        requests: { cpu: '1', memory: '-1Gi' },
      };
    });
    assert.deepEqual(messages(s), [
      'spec.containers[0].resources.limits[gpu]: Invalid value: "gpu": must be a standard resource for containers',
      'spec.containers[0].resources.requests: Invalid value: "1": must be less than or equal to cpu limit of 500m',
      'spec.containers[0].resources.requests[memory]: Invalid value: "-1Gi": must be greater than or equal to 0',
    ]);
  });

  it('requires extended resources to be whole and equal in requests and limits', () => {
    const errs = validateResourceRequirements(
      { limits: { 'example.com/gpu': '2' }, requests: { 'example.com/gpu': '1', 'example.com/fpga': '500m' } },
      'r',
    ).map(formatFieldError);
    assert.deepEqual(errs, [
      'r.requests: Invalid value: "1": must be equal to example.com/gpu limit of 2',
      'r.requests[example.com/fpga]: Invalid value: "500m": must be an integer',
      'r.limits: Required value: Limit must be set for non overcommitable resources',
    ]);
  });

  it('reports malformed quantities with the parser message', () => {
    const errs = validateResourceRequirements({ limits: { cpu: 'lots' } }, 'r').map(formatFieldError);
    assert.equal(errs.length, 1);
    assert.match(errs[0], /^r\.limits\[cpu\]: Invalid value: "lots": quantities must match the regular expression/);
  });

  it('checks volumes: names, exactly one source, required source fields', () => {
    const s = spec((x) => {
      x.volumes.push(
        { name: 'data', emptyDir: {} },
        { name: 'two', emptyDir: {}, hostPath: { path: '/tmp' } },
        { name: 'cfg', configMap: {} },
        { name: 'sec', secret: { secretName: 's', defaultMode: 0o1777 } },
        { name: 'claim', persistentVolumeClaim: {} },
        { name: 'Bad', emptyDir: {} },
      );
    });
    assert.deepEqual(messages(s), [
      'spec.volumes[1].name: Duplicate value: "data"',
      'spec.volumes[2].hostPath: Forbidden: may not specify more than 1 volume type',
      'spec.volumes[3].configMap.name: Required value',
      'spec.volumes[4].secret.defaultMode: Invalid value: 1023: must be a number between 0 and 0777 (octal), both inclusive',
      'spec.volumes[5].persistentVolumeClaim.claimName: Required value',
      "spec.volumes[6].name: Invalid value: \"Bad\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
    ]);
  });

  it('requires volume mounts to name an existing volume and use unique paths', () => {
    const s = spec((x) => {
      x.containers[0].volumeMounts.push({ name: 'missing', mountPath: '/data' }, { name: 'data', mountPath: '/sub', subPath: '../up' });
    });
    assert.deepEqual(messages(s), [
      'spec.containers[0].volumeMounts[1].name: Not found: "missing"',
      'spec.containers[0].volumeMounts[1].mountPath: Invalid value: "/data": must be unique',
      'spec.containers[0].volumeMounts.subPath: Invalid value: "../up": must not contain \'..\'',
    ]);
  });

  it('checks environment variables and their sources', () => {
    const s = spec((x) => {
      x.containers[0].env = [
        { name: '' },
        { name: 'A=B', value: 'x' },
        { name: 'BOTH', value: 'x', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } },
        { name: 'NONE', valueFrom: {} },
        { name: 'FIELD', valueFrom: { fieldRef: { fieldPath: 'spec.restartPolicy' } } },
        { name: 'LABEL', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
        { name: 'CM', valueFrom: { configMapKeyRef: { key: 'k' } } },
      ];
    });
    assert.deepEqual(messages(s), [
      'spec.containers[0].env[0].name: Required value',
      'spec.containers[0].env[1].name: Invalid value: "A=B": a valid environment variable name must consist only of printable ASCII characters other than \'=\'',
      'spec.containers[0].env[2].valueFrom: Invalid value: "": may not be specified when `value` is not empty',
      'spec.containers[0].env[3].valueFrom: Invalid value: "": must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`',
      'spec.containers[0].env[4].valueFrom.fieldRef.fieldPath: Unsupported value: "spec.restartPolicy": supported values: "metadata.name", "metadata.namespace", "metadata.uid", "spec.nodeName", "spec.serviceAccountName", "status.hostIP", "status.hostIPs", "status.podIP", "status.podIPs"',
      'spec.containers[0].env[6].valueFrom.configMapKeyRef.name: Required value',
    ]);
  });

  it('forbids probes and hooks on run-to-completion init containers but allows them on sidecars', () => {
    const s = spec((x) => {
      x.initContainers = [
        { name: 'setup', image: 'busybox', readinessProbe: { exec: { command: ['true'] } } },
        { name: 'proxy', image: 'envoy', restartPolicy: 'Always', readinessProbe: { exec: { command: ['true'] } } },
        { name: 'odd', image: 'busybox', restartPolicy: 'Never' },
      ];
    });
    assert.deepEqual(messages(s), [
      'spec.initContainers[0].readinessProbe: Forbidden: may not be set for init containers without restartPolicy=Always',
      'spec.initContainers[2].restartPolicy: Unsupported value: "Never": supported values: "Always"',
    ]);
  });

  it('checks tolerations', () => {
    const s = spec((x) => {
      x.tolerations = [
        { operator: 'Equal', value: 'x' },
        { key: 'k', operator: 'Exists', value: 'v' },
        { key: 'k', effect: 'NoSchedule', tolerationSeconds: 10 },
        { key: 'k', operator: 'Like' },
      ];
    });
    const out = messages(s);
    assert.equal(
      out[0],
      'spec.tolerations[0].operator: Invalid value: "Equal": operator must be Exists when `key` is empty, which means "match all values and all keys"',
    );
    assert.match(out[1], /^spec\.tolerations\[1\]\.operator: Invalid value: .*: value must be empty when `operator` is 'Exists'$/);
    assert.equal(
      out[2],
      'spec.tolerations[2].effect: Invalid value: "NoSchedule": effect must be \'NoExecute\' when `tolerationSeconds` is set',
    );
    assert.equal(out[3], 'spec.tolerations[3].operator: Unsupported value: "Like": supported values: "Equal", "Exists"');
  });

  it('checks dnsConfig for dnsPolicy None', () => {
    const s = spec((x) => {
      x.dnsPolicy = 'None';
    });
    assert.deepEqual(messages(s), ['spec.dnsConfig: Required value: must provide `dnsConfig` when `dnsPolicy` is None']);
  });

  it('checks activeDeadlineSeconds, hostname and nodeSelector', () => {
    const s = spec((x) => {
      x.activeDeadlineSeconds = 0;
      x.hostname = 'Host';
      x.nodeSelector = { 'disk type': 'ssd' };
    });
    const out = messages(s);
    assert.equal(out.length, 3);
    assert.match(out[0], /^spec\.nodeSelector: Invalid value: "disk type": name part must consist of alphanumeric characters/);
    assert.equal(out[1], 'spec.activeDeadlineSeconds: Invalid value: 0: must be between 1 and 2147483647, inclusive');
    assert.match(out[2], /^spec\.hostname: Invalid value: "Host": a lowercase RFC 1123 label/);
  });

  it('checks topology spread constraints', () => {
    const s = spec((x) => {
      x.topologySpreadConstraints = [
        { maxSkew: 0, topologyKey: 'zone', whenUnsatisfiable: 'DoNotSchedule' },
        { maxSkew: 1, topologyKey: 'zone', whenUnsatisfiable: 'DoNotSchedule' },
        { maxSkew: 1, topologyKey: '', whenUnsatisfiable: 'Maybe' },
      ];
    });
    assert.deepEqual(messages(s), [
      'spec.topologySpreadConstraints[0].maxSkew: Invalid value: 0: must be greater than zero',
      'spec.topologySpreadConstraints[1]: Duplicate value: "{zone, DoNotSchedule}"',
      'spec.topologySpreadConstraints[2].topologyKey: Required value: can not be empty',
      'spec.topologySpreadConstraints[2].whenUnsatisfiable: Unsupported value: "Maybe": supported values: "DoNotSchedule", "ScheduleAnyway"',
    ]);
  });

  it('requires hostPort to match containerPort with host networking', () => {
    const s = spec((x) => {
      x.hostNetwork = true;
      x.containers[0].ports = [{ containerPort: 80, hostPort: 8080 }];
    });
    assert.deepEqual(messages(s), [
      'spec.containers[0].ports[0].containerPort: Invalid value: 80: must match `hostPort` when `hostNetwork` is true',
    ]);
  });

  it('checks security contexts', () => {
    const s = spec((x) => {
      x.securityContext = { runAsUser: -1, fsGroupChangePolicy: 'Sometimes', seccompProfile: { type: 'Localhost' } };
      x.containers[0].securityContext = { procMount: 'Unmasked' };
    });
    assert.deepEqual(messages(s), [
      'spec.containers[0].securityContext.procMount: Invalid value: "Unmasked": `hostUsers` must be false to use `Unmasked`',
      'spec.securityContext.runAsUser: Invalid value: -1: must be between 0 and 2147483647, inclusive',
      'spec.securityContext.fsGroupChangePolicy: Unsupported value: "Sometimes": supported values: "Always", "OnRootMismatch"',
      'spec.securityContext.seccompProfile.localhostProfile: Required value: must be set when seccomp type is Localhost',
    ]);
  });
});

describe('validatePodTemplateSpec', () => {
  it('checks template labels and the spec under the template path', () => {
    const template = { metadata: { labels: { app: 'web!' } }, spec: spec((s) => (s.containers[0].image = '')) };
    const out = validatePodTemplateSpec(template, 'spec.template').map(formatFieldError);
    assert.equal(out.length, 2);
    assert.match(out[0], /^spec\.template\.labels: Invalid value: "web!": a valid label must be an empty string/);
    assert.equal(out[1], 'spec.template.spec.containers[0].image: Required value');
  });

  it('forbids ephemeral containers in templates', () => {
    const template = { spec: spec((s) => (s.ephemeralContainers = [{ name: 'debug', image: 'busybox' }])) };
    assert.deepEqual(validatePodTemplateSpec(template, 'spec.template').map(formatFieldError), [
      'spec.template.spec.ephemeralContainers: Forbidden: ephemeral containers not allowed in pod template',
    ]);
  });
});

describe('validatePodSpecUpdate', () => {
  it('allows image, activeDeadlineSeconds and added tolerations', () => {
    const old = spec((s) => (s.tolerations = [{ key: 'a', operator: 'Exists' }]));
    const next = structuredClone(old);
    next.containers[0].image = 'nginx:1.26';
    next.activeDeadlineSeconds = 600;
    next.tolerations.push({ key: 'b', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 5 });
    assert.deepEqual(validatePodSpecUpdate(next, old), []);
  });

  it('forbids other spec changes and says which fields may change', () => {
    const old = spec();
    const next = structuredClone(old);
    next.restartPolicy = 'Never';
    const out = validatePodSpecUpdate(next, old).map(formatFieldError);
    assert.equal(out.length, 1);
    assert.ok(
      out[0].startsWith(
        'spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)\n',
      ),
    );
    assert.match(out[0], /- \trestartPolicy: "Always",\n\+ \trestartPolicy: "Never",/);
  });

  it('forbids adding containers, changing tolerations and raising the deadline', () => {
    const old = spec((s) => {
      s.activeDeadlineSeconds = 60;
      s.tolerations = [{ key: 'a', operator: 'Exists' }];
    });
    const added = structuredClone(old);
    added.containers.push({ name: 'b', image: 'x' });
    assert.deepEqual(validatePodSpecUpdate(added, old).map(formatFieldError), [
      'spec.containers: Forbidden: pod updates may not add or remove containers',
    ]);

    const raised = structuredClone(old);
    raised.activeDeadlineSeconds = 120;
    assert.deepEqual(validatePodSpecUpdate(raised, old).map(formatFieldError), [
      'spec.activeDeadlineSeconds: Invalid value: 120: must be less than or equal to previous value',
    ]);

    const changed = structuredClone(old);
    changed.tolerations = [{ key: 'a', operator: 'Exists', effect: 'NoSchedule' }];
    assert.deepEqual(validatePodSpecUpdate(changed, old).map(formatFieldError), [
      'spec.tolerations: Forbidden: existing toleration can not be modified except its tolerationSeconds',
    ]);
  });

  it('lets scheduling gates be removed but not added', () => {
    const old = spec((s) => (s.schedulingGates = [{ name: 'example.com/a' }, { name: 'example.com/b' }]));
    const removed = structuredClone(old);
    removed.schedulingGates = [{ name: 'example.com/b' }];
    assert.deepEqual(validatePodSpecUpdate(removed, old), []);
    const added = structuredClone(old);
    added.schedulingGates.push({ name: 'example.com/c' });
    assert.deepEqual(validatePodSpecUpdate(added, old).map(formatFieldError), [
      'spec.schedulingGates: Forbidden: only deletion is allowed, but found new scheduling gate',
    ]);
  });

  it('treats absent and empty lists as the same spec', () => {
    const old = spec();
    const next = structuredClone(old);
    next.tolerations = [];
    next.nodeSelector = {};
    assert.deepEqual(validatePodSpecUpdate(next, old), []);
  });
});
