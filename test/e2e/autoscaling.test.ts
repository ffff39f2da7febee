// Autoscaling end to end with the real kubectl 1.33 against a real `hale server` and its
// embedded agent: `kubectl autoscale` on a Deployment whose pod spins the CPU past its
// request; the HPA controller reads metrics.k8s.io and scales it to maxReplicas, and
// `kubectl get hpa` / `describe hpa` show what Kubernetes shows.
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { eventually, type HaleServer, startHale, stopHaleWithPods } from './harness.ts';

// A word on each workload's command line so this file's processes can be found on the host.
const marker = `hale-autoscaling-e2e-${process.pid}`;

const deployment = `apiVersion: apps/v1
kind: Deployment
metadata: {name: spin}
spec:
  replicas: 1
  selector: {matchLabels: {app: spin}}
  template:
    metadata: {labels: {app: spin}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: spin
        image: busybox
        command: [sh, -c, 'while true; do :; done # ${marker}']
        resources: {requests: {cpu: 100m}, limits: {cpu: 150m}}
`;

describe('autoscaling with kubectl 1.33 and the process runtime', () => {
  let hale: HaleServer;
  const k = async (args: string[], opts: { stdin?: string } = {}) => {
    const r = await hale.kubectl('1.33', args, opts);
    if (r.code !== 0) assert.fail(`kubectl ${args.join(' ')} failed (${r.code}):\n${r.stderr}${r.stdout}`);
    return r.stdout;
  };

  before(async () => {
    // Pod IPs from a loopback range of their own, away from other Hale instances on this host.
    process.env.HALE_POD_CIDR = `127.${randomInt(101, 251)}.${randomInt(0, 256)}.0/24`;
    hale = await startHale({ withAgent: true });
  });

  after(async () => {
    // The HPA and the Deployment first, so that nothing makes new pods.
    await hale?.kubectl('1.33', ['delete', 'hpa,deploy', '--all', '--timeout=30s']).catch(() => undefined);
    await stopHaleWithPods(hale, marker);
  });

  test('a busy Deployment is scaled up to maxReplicas, and the HPA says why', async () => {
    await k(['apply', '-f', '-'], { stdin: deployment });
    assert.match(await k(['autoscale', 'deploy', 'spin', '--cpu-percent=50', '--min=1', '--max=3']), /autoscaled/);
    // Readings need two agent samples (10 s apart), then an HPA sync (every 15 s).
    await eventually(async () => (await k(['get', 'deploy', 'spin', '-o', 'jsonpath={.spec.replicas}'])) === '3', 90_000, 1000);
    const table = await k(['get', 'hpa', 'spin']);
    assert.match(table, /^spin\s+Deployment\/spin\s+cpu: \d+%\/50%\s+1\s+3\s+\d\s+\d+s$/m);
    const events = await k(['get', 'events', '--field-selector', 'involvedObject.kind=HorizontalPodAutoscaler,reason=SuccessfulRescale']);
    assert.match(events, /New size: 3; reason: cpu resource utilization \(percentage of request\) above target/);
    const describe = await eventually(
      async () => {
        const out = await k(['describe', 'hpa', 'spin']);
        return /TooManyReplicas/.test(out) && out;
      },
      30_000,
      1000,
    );
    assert.match(describe, /resource cpu on pods\s+\(as a percentage of request\):\s+\d+% \(\d+m\) \/ 50%/);
    assert.match(describe, /ScalingActive\s+True\s+ValidMetricFound/);
    assert.match(describe, /ScalingLimited\s+True\s+TooManyReplicas\s+the desired replica count is more than the maximum replica count/);
  });
});
