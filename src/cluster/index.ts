// The cluster layer: everything that talks to the Kubernetes API. Loaded only by commands that need it.
export { Cluster } from './client.ts';
export type { ConnectOptions } from './config.ts';
export { ClusterError } from './errors.ts';
export { HttpKube, type Kube, type ListQuery, type TableQuery, type ObjectList, type LogQuery } from './kube.ts';
export { KINDS, kindOf, FIELD_MANAGER, type Kind, type KubeObject, type Table } from './types.ts';
export { listServices, type ServiceSummary, type ListOptions } from './list.ts';
export { describeService, summaryOf, integrityProblem, loadBalancerAddresses, eventTime, type ServiceDetails } from './describe.ts';
export { streamLogs, servedCommits, logTail, type ServedCommit, type LogOptions } from './logs.ts';
export { readSecretKey } from './secrets.ts';
export { writeService, deleteService, readLive, sameContent, type Outcome, type WriteRequest, type WriteResult } from './write.ts';
export { decideWrite, decideDelete, currentRevision, type Live, type WriteVerb } from './rules.ts';
export { waitReady, waitDeleted, isReady, DeletedWhileWaiting } from './wait.ts';
export { age, humanDuration, serviceStatus, podPhrase, podState, whyNotReady, type PodState } from './status.ts';
export type { RecordedInput as InputSummary } from '../contract.ts';
export { notFound } from './rules.ts';
export { listRevisions, recordRevision, pruneRevisions, deleteRevisions, DEFAULT_HISTORY_MAX, type Revision } from './history.ts';
export { describeChanges, short } from './changes.ts';
export { revisionOf } from '../contract.ts';
