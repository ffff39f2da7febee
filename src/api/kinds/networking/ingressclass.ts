// networking.k8s.io/v1 IngressClass: names the controller that implements a class of
// Ingresses (cluster-scoped). Validation and defaults follow Kubernetes.
import { type FieldError, forbidden, invalid, notSupported, required, tooLong } from '../../field-errors.ts';
import { age } from '../../printers/age.ts';
import type { KubeObject, ResourceType } from '../../resource-type.ts';
import { validateNamespaceName } from '../../validation/meta.ts';
import { isDNS1123Subdomain, regexError } from '../../validation/names.ts';
import { ageColumn, column, nameColumn } from '../apps/printing.ts';
import { validateImmutableField } from '../apps/workload-validation.ts';
import { validateTypedLocalObjectReference } from './ingress.ts';

/** The annotation marking the class used for Ingresses without spec.ingressClassName. */
export const DEFAULT_INGRESS_CLASS_ANNOTATION = 'ingressclass.kubernetes.io/is-default-class';

const MAX_CONTROLLER_LENGTH = 250;
const parameterScopes = ['Cluster', 'Namespace'];
const httpPathFmt = "[A-Za-z0-9/\\-._~%!$&'()*+,;=:]+";
const httpPathRegexp = new RegExp(`^${httpPathFmt}$`);

type Json = Record<string, any>;
const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);

/** apimachinery's IsDomainPrefixedPath: "acme.io/foo". */
export function validateDomainPrefixedPath(value: string, path: string): FieldError[] {
  if (value.length === 0) return [required(path, '')];
  const slash = value.indexOf('/');
  const host = slash < 0 ? value : value.slice(0, slash);
  const rest = slash < 0 ? '' : value.slice(slash + 1);
  if (slash < 0 || host.length === 0 || rest.length === 0) {
    return [invalid(path, value, 'must be a domain-prefixed path (such as "acme.io/foo")')];
  }
  const errs: FieldError[] = [];
  for (const msg of isDNS1123Subdomain(host)) errs.push(invalid(path, host, msg));
  if (!httpPathRegexp.test(rest)) errs.push(invalid(path, rest, regexError('must be a valid path', httpPathFmt)));
  return errs;
}

function validateParametersReference(params: unknown, path: string): FieldError[] {
  if (params == null) return [];
  const p = isObject(params) ? params : {};
  const errs = validateTypedLocalObjectReference(p, path);
  if (p.scope == null) return [...errs, required(`${path}.scope`, '')];
  const scope = String(p.scope);
  if (!parameterScopes.includes(scope)) {
    errs.push(notSupported(`${path}.scope`, scope, parameterScopes));
  } else if (scope === 'Namespace') {
    if (p.namespace == null) errs.push(required(`${path}.namespace`, "`parameters.scope` is set to 'Namespace'"));
    else {
      const ns = String(p.namespace);
      for (const msg of validateNamespaceName(ns, false)) errs.push(invalid(`${path}.namespace`, ns, msg));
    }
  } else if (p.namespace != null) {
    errs.push(forbidden(`${path}.namespace`, "`parameters.scope` is set to 'Cluster'"));
  }
  return errs;
}

export function validateIngressClass(obj: KubeObject): FieldError[] {
  const spec = isObject(obj.spec) ? obj.spec : {};
  const controller = typeof spec.controller === 'string' ? spec.controller : '';
  const errs: FieldError[] = [];
  if (Buffer.byteLength(controller) > MAX_CONTROLLER_LENGTH) errs.push(tooLong('spec.controller', controller, MAX_CONTROLLER_LENGTH));
  errs.push(...validateDomainPrefixedPath(controller, 'spec.controller'));
  errs.push(...validateParametersReference(spec.parameters, 'spec.parameters'));
  return errs;
}

export function validateIngressClassUpdate(obj: KubeObject, old: KubeObject): FieldError[] {
  return validateImmutableField(obj.spec?.controller, old.spec?.controller, 'spec.controller');
}

/** SetDefaults_IngressClass: parameters are cluster-scoped unless said otherwise. */
export function defaultIngressClass(obj: KubeObject): void {
  const params = obj.spec?.parameters;
  if (isObject(params) && params.scope == null) params.scope = 'Cluster';
}

/** printIngressClass's PARAMETERS cell: Kind[.apiGroup]/name, or <none>. */
export function formatParameters(params: unknown): string {
  if (!isObject(params)) return '<none>';
  let out = String(params.kind ?? '');
  if (params.apiGroup != null) out += `.${params.apiGroup}`;
  return `${out}/${params.name ?? ''}`;
}

export const ingressClasses: ResourceType = {
  group: 'networking.k8s.io',
  version: 'v1',
  kind: 'IngressClass',
  plural: 'ingressclasses',
  singular: 'ingressclass',
  namespaced: false,
  schema: 'io.k8s.api.networking.v1.IngressClass',
  defaults: defaultIngressClass,
  validate: validateIngressClass,
  validateUpdate: validateIngressClassUpdate,
  table: {
    columns: [
      nameColumn,
      column('Controller', 'string', 'Controller that is responsible for handling this class'),
      column('Parameters', 'string', 'A reference to a resource with additional parameters'),
      ageColumn,
    ],
    row: (obj, now) => [
      obj.metadata?.name ?? '',
      obj.spec?.controller ?? '',
      formatParameters(obj.spec?.parameters),
      age(obj.metadata?.creationTimestamp, now),
    ],
  },
};
