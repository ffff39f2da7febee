// The events.k8s.io/v1 resources.
import '../../definitions/events-v1.ts';
import type { ResourceType } from '../../resource-type.ts';
import { eventsV1 } from './event.ts';

export const eventsResources: ResourceType[] = [eventsV1];
