// The networking.k8s.io/v1 resources (Ingress and IngressClass; no NetworkPolicy yet).
import '../../definitions/networking-v1.ts';
import type { ResourceType } from '../../resource-type.ts';
import { ingresses } from './ingress.ts';
import { ingressClasses } from './ingressclass.ts';

export const networkingResources: ResourceType[] = [ingresses, ingressClasses];
