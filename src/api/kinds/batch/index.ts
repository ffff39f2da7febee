// The batch/v1 resources, in Kubernetes' discovery order.
import '../../definitions/batch-v1.ts';
import type { ResourceType } from '../../resource-type.ts';
import { cronJobs } from './cronjob.ts';
import { jobs } from './job.ts';

export const batchResources: ResourceType[] = [cronJobs, jobs];
