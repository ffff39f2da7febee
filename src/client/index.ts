// The client library in one import: REST client, informers, work queue, leader election.
export * from './api-error.ts';
export * from './backoff.ts';
export * from './clock.ts';
export * from './indexer.ts';
export * from './informer.ts';
export * from './informer-factory.ts';
export * from './kubeconfig.ts';
export * from './leader-election.ts';
export * from './rate-limiter.ts';
export * from './resource-path.ts';
export * from './resources.ts';
export * from './rest-client.ts';
export * from './watch-stream.ts';
export * from './workqueue.ts';
