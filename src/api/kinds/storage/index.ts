// The storage.k8s.io/v1 resources.
import '../../definitions/storage-v1.ts';
import type { ResourceType } from '../../resource-type.ts';
import { storageClasses } from './storageclass.ts';

export const storageResources: ResourceType[] = [storageClasses];
