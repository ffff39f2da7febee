// Go's %#v of the apps values that Kubernetes 1.33 puts into field errors. Up to 1.33,
// field.Error prints a struct, pointer-to-struct or IntOrString argument with %#v (1.34
// switched to JSON, kubernetes/kubernetes#132314), so a changed Deployment selector reads
// `spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"x"},
// MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable`.
import { type FieldError, GoValue, goStringMap, goStringSlice } from '../../field-errors.ts';
import { goQuote } from '../../go-quote.ts';

/** A metav1.LabelSelector as %#v prints it. */
export function goLabelSelector(selector: unknown): string {
  const s = (selector && typeof selector === 'object' ? selector : {}) as { matchLabels?: unknown; matchExpressions?: unknown };
  let expressions = '[]v1.LabelSelectorRequirement(nil)';
  if (Array.isArray(s.matchExpressions)) {
    const items = s.matchExpressions.map((r: { key?: unknown; operator?: unknown; values?: unknown } | null) => {
      const req = r ?? {};
      return `v1.LabelSelectorRequirement{Key:${goQuote(req.key)}, Operator:${goQuote(req.operator)}, Values:${goStringSlice(req.values)}}`;
    });
    expressions = `[]v1.LabelSelectorRequirement{${items.join(', ')}}`;
  }
  return `v1.LabelSelector{MatchLabels:${goStringMap(s.matchLabels)}, MatchExpressions:${expressions}}`;
}

/** An intstr.IntOrString as %#v prints it: Type 0 holds an int, Type 1 a string. */
export function goIntOrString(value: unknown): string {
  if (typeof value === 'number') return `intstr.IntOrString{Type:0, IntVal:${value}, StrVal:""}`;
  return `intstr.IntOrString{Type:1, IntVal:0, StrVal:${goQuote(value)}}`;
}

/**
 * A strategy struct (Type plus a RollingUpdate pointer) as %#v prints it. A set rollingUpdate
 * is a pointer, which Go prints as an address; any address is as good as another here.
 */
function goStrategy(struct: string, rollingUpdateType: string, strategy: unknown): string {
  const s = (strategy && typeof strategy === 'object' ? strategy : {}) as { type?: unknown; rollingUpdate?: unknown };
  const pointer = s.rollingUpdate ? '0xc000a1e000' : 'nil';
  return `${struct}{Type:${goQuote(s.type)}, RollingUpdate:(*${rollingUpdateType})(${pointer})}`;
}

/** apps.DeploymentStrategy as %#v prints it. */
export const goDeploymentStrategy = (strategy: unknown): string =>
  goStrategy('apps.DeploymentStrategy', 'apps.RollingUpdateDeployment', strategy);

/** apps.DaemonSetUpdateStrategy as %#v prints it. */
export const goDaemonSetUpdateStrategy = (strategy: unknown): string =>
  goStrategy('apps.DaemonSetUpdateStrategy', 'apps.RollingUpdateDaemonSet', strategy);

/**
 * The Invalid errors at `field` (the selector itself) with their value printed as Go prints a
 * LabelSelector. A missing selector is a nil pointer, which field errors print as "null".
 */
export function withGoSelectorValue(errs: FieldError[], field: string): FieldError[] {
  return errs.map((e) =>
    e.field === field && e.type === 'FieldValueInvalid' && e.value != null && !(e.value instanceof GoValue)
      ? { ...e, value: new GoValue(goLabelSelector(e.value)) }
      : e,
  );
}

/**
 * Errors about an IntOrString field with a string value, printed as Go prints the
 * IntOrString; integers stay plain, as Kubernetes checks them as int64.
 */
export function withGoIntOrStringValue(errs: FieldError[]): FieldError[] {
  return errs.map((e) => (typeof e.value === 'string' ? { ...e, value: new GoValue(goIntOrString(e.value)) } : e));
}
