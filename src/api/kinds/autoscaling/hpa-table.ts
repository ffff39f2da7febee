// The `kubectl get hpa` table: Reference, Targets ("cpu: 40%/80%"), MinPods, MaxPods,
// Replicas. Rows are computed from the v2 shape, as Kubernetes prints its internal form.
import { age } from '../../printers/age.ts';
import { canonicalQuantity } from '../../quantity.ts';
import type { KubeObject, ResourceType } from '../../resource-type.ts';
import { ageColumn, column, int, nameColumn } from '../apps/printing.ts';

/** Quantity.String(): the canonical form, or the raw text when it does not parse. */
function quantity(value: unknown): string {
  if (value === undefined || value === null) return '0';
  try {
    return canonicalQuantity(value as string | number);
  } catch {
    return String(value);
  }
}

/** formatHPAMetrics: "<current>/<target>" per metric, at most two then "+ N more...". */
export function formatHPAMetrics(specs: KubeObject[], statuses: KubeObject[]): string {
  if (specs.length === 0) return '<none>';
  const list: string[] = [];
  specs.forEach((spec, i) => {
    const status = statuses[i];
    switch (spec?.type) {
      case 'External':
      case 'Object': {
        const key = spec.type === 'External' ? 'external' : 'object';
        const target = spec[key]?.target ?? {};
        const current = status?.[key]?.current;
        if (target.averageValue != null) {
          const cur = current?.averageValue != null ? quantity(current.averageValue) : '<unknown>';
          list.push(`${cur}/${quantity(target.averageValue)} (avg)`);
        } else {
          const cur = status?.[key] ? quantity(current?.value) : '<unknown>';
          list.push(`${cur}/${quantity(target.value)}`);
        }
        break;
      }
      case 'Pods': {
        const cur = status?.pods ? quantity(status.pods.current?.averageValue) : '<unknown>';
        list.push(`${cur}/${quantity(spec.pods?.target?.averageValue)}`);
        break;
      }
      case 'Resource':
      case 'ContainerResource': {
        const key = spec.type === 'Resource' ? 'resource' : 'containerResource';
        const source = spec[key] ?? {};
        const current = status?.[key]?.current;
        if (source.target?.averageValue != null) {
          const cur = status?.[key] ? quantity(current?.averageValue) : '<unknown>';
          list.push(`${source.name}: ${cur}/${quantity(source.target.averageValue)}`);
        } else {
          const cur = current?.averageUtilization != null ? `${current.averageUtilization}%` : '<unknown>';
          const target = source.target?.averageUtilization != null ? `${source.target.averageUtilization}%` : '<auto>';
          list.push(`${source.name}: ${cur}/${target}`);
        }
        break;
      }
      default:
        list.push('<unknown type>');
    }
  });
  const max = 2;
  if (list.length > max) return `${list.slice(0, max).join(', ')} + ${list.length - max} more...`;
  return list.join(', ');
}

/** The HPA table, given how to turn a served object into the v2 shape. */
export function hpaTable(toV2: (obj: KubeObject) => KubeObject): NonNullable<ResourceType['table']> {
  return {
    columns: [
      nameColumn,
      column('Reference', 'string', 'The workload being scaled.'),
      column('Targets', 'string', 'Current and target values of the metrics.'),
      column('MinPods', 'string', 'Lowest replica count.'),
      column('MaxPods', 'string', 'Highest replica count.'),
      column('Replicas', 'string', 'Current replica count.'),
      ageColumn,
    ],
    row: (obj, now) => {
      const hpa = toV2(obj);
      const spec = hpa.spec ?? {};
      const ref = spec.scaleTargetRef ?? {};
      const metrics = formatHPAMetrics(Array.isArray(spec.metrics) ? spec.metrics : [], hpa.status?.currentMetrics ?? []);
      return [
        hpa.metadata?.name ?? '',
        `${ref.kind ?? ''}/${ref.name ?? ''}`,
        metrics,
        spec.minReplicas != null ? String(spec.minReplicas) : '<unset>',
        int(spec.maxReplicas),
        int(hpa.status?.currentReplicas),
        age(hpa.metadata?.creationTimestamp, now),
      ];
    },
  };
}
