// The cluster layer: everything that talks to the Kubernetes API. Loaded only by commands that need it.
export { Cluster, KINDS } from './client.ts';
export type { ConnectOptions } from './config.ts';
export { ClusterError } from './errors.ts';
export { listServices, describeService, servedCommits, readSecretKey, type ServiceSummary, type ServiceDetails, type InputSummary, type ServedCommit } from './read.ts';
export { createObjects, applyObjects, deleteObjects, readLive, notManagedError, type Outcome } from './write.ts';
export { isManaged } from '../contract.ts';
export { waitReady, waitDeleted } from './wait.ts';
export { streamLogs } from './logs.ts';
export type { ContainerRole } from '../contract.ts';
export { age, humanDuration, serviceStatus, podPhrase, whyNotReady } from './status.ts';
export type { KubeObject } from './types.ts';
