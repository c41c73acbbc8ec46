// Pachyderm fields that have a meaning for a pipeline and none for a service. Each gets an error that
// says why, instead of being ignored (a user who wrote it expected something to happen).
const NO_OUTPUT = 'a service writes no output commit';
const NO_DATUMS = 'a service sees each input whole, as one datum that never finishes';
const WHOLE = 'a service checks each input out whole at /pfs/<name>';
const NO_JOBS = 'a service runs no jobs';

export const UNSUPPORTED_TOP: Record<string, string> = {
  s3_out: `${NO_OUTPUT}, so there is nothing to expose over S3 (Pachyderm refuses s3_out on services too)`,
  output_branch: `${NO_OUTPUT}, so it has no output branch`,
  egress: `${NO_OUTPUT}, so there is nothing to send out`,
  salt: `salt tells a pipeline's output commits apart; ${NO_OUTPUT}`,
  datum_timeout: `${NO_DATUMS}: there are no datums to time out`,
  datum_tries: `${NO_DATUMS}: there are no datums to retry (Kubernetes restarts a service whose process exits)`,
  datum_set_spec: `${NO_DATUMS}: there are no datum sets`,
  job_timeout: 'a service runs until it is deleted; there is no job to time out',
  reprocess_spec: `${NO_DATUMS}: there is nothing to reprocess`,
  reprocess: `${NO_DATUMS}: there is nothing to reprocess`,
  autoscaling: 'a service runs parallelism_spec.constant replicas; autoscaling follows datums waiting, and a service has none',
  standby: 'a service keeps running, so it never goes on standby',
  enable_stats: `datum statistics need datums; ${NO_DATUMS}`,
  chunk_spec: `chunks group datums; ${NO_DATUMS}`,
  max_queue_size: `the queue holds datums; ${NO_DATUMS}`,
  cache_size: 'the worker cache belongs to Pachyderm workers; a service has none',
  hashtree_spec: 'hashtrees belong to Pachyderm 1.x output commits; a service writes none',
  spec_commit: 'spec_commit is set by pachd, not by a spec',
  update: 'use `pachsvc update` (or `pachsvc apply`) to change a service',
  dry_run: 'use --dry-run=client or --dry-run=server',
  tf_job: 'TFJob specs are not supported: pachsvc runs one container image',
  determined: 'Determined specs are not supported: pachsvc runs one container image',
  maximum_expected_uptime: 'Kubernetes keeps a service up until it is deleted; there is no expected uptime to enforce',
  // Retired in Pachyderm 1.x (and fields pachd set on 1.x jobs, found in specs copied from `inspect --raw`).
  resource_spec: 'resource_spec (Pachyderm 1.5-1.6) was renamed resource_requests in 1.7: write resource_requests, with the same fields',
  incremental: `incremental (Pachyderm 1.5-1.7) made jobs process only new data; ${NO_DATUMS}`,
  batch: 'batch (Pachyderm 1.6-1.9) kept workers only while a pipeline had jobs; a service runs until it is deleted',
  scale_down_threshold: 'scale_down_threshold (Pachyderm 1.5-1.9) scaled idle workers down; a service keeps its replicas running',
  gc_policy: "gc_policy (Pachyderm 1.3-1.4) cleaned up finished jobs' pods; a service's pods run until it is deleted",
  parent_job: `parent_job (Pachyderm 1.3-1.6 jobs) made a job build on its parent's output; ${NO_JOBS}`,
  pipeline_version: 'pipeline_version (Pachyderm 1.4-1.6 jobs) was set by pachd, not by a spec',
  output_repo: `output_repo (Pachyderm 1.4-1.6 jobs) named where a job's output went; ${NO_OUTPUT}`,
  output_commit: `output_commit (Pachyderm 1.7-1.13 jobs) was set by pachd; ${NO_OUTPUT}`,
  new_branch: 'new_branch (Pachyderm 1.5-1.6 jobs) was set by pachd, not by a spec',
  no_archive: `no_archive (Pachyderm 1.3) kept a pipeline's earlier output on update; ${NO_OUTPUT}`,
  force: `force (Pachyderm 1.3 jobs) re-ran a job on data it had processed; ${NO_JOBS}`,
};

export const UNSUPPORTED_TRANSFORM: Record<string, string> = {
  err_cmd: `err_cmd decides whether a failed datum counts; ${NO_DATUMS} (if the process exits, Kubernetes restarts it)`,
  err_stdin: `err_stdin feeds err_cmd, which decides whether a failed datum counts; ${NO_DATUMS}`,
  accept_return_code: `exit codes decide whether a datum failed; ${NO_DATUMS} (if the process exits, Kubernetes restarts it)`,
  datum_batching: `${NO_DATUMS}: there is nothing to batch`,
  debug: 'there is no Pachyderm worker to debug; read the service with `pachsvc logs`',
  dockerfile: 'pachsvc runs an existing image: build and push it first, then name it in image',
  build: 'pachsvc runs an existing image: build and push it first, then name it in image',
  overwrite: `overwrite (Pachyderm 1.3) made a job replace its output instead of adding to it; ${NO_OUTPUT}`,
};

export const UNSUPPORTED_INPUT: Record<string, string> = {
  cron: 'a cron input makes commits on a schedule for pipelines to process; a service has nothing to trigger (serve the cron repo as a pfs input instead)',
  join: `join splits inputs into datums by matching paths; ${WHOLE} (use cross)`,
  group: `group splits inputs into datums by path; ${WHOLE} (use cross)`,
  git: 'git inputs were removed in Pachyderm 2.0: commit the data to a repo and serve that',
};

export const UNSUPPORTED_PFS: Record<string, string> = {
  lazy: `lazy inputs stream a datum's files through named pipes; ${WHOLE}`,
  empty_files: `empty_files makes datum files empty placeholders; ${WHOLE}`,
  s3: `the S3 input gateway is a sidecar of Pachyderm workers; ${WHOLE} (or use pachd's own S3 gateway)`,
  trigger: 'triggers move a branch for the pipelines that follow it; to keep a service on the newest commit of a branch, set follow: true',
  join_on: `join_on matches datums of a join; ${WHOLE}`,
  outer_join: `outer_join belongs to join inputs; ${WHOLE}`,
  group_by: `group_by belongs to group inputs; ${WHOLE}`,
  reference: 'reference inputs are not supported: a service needs the data itself',
  propagation_spec: `propagation_spec decides which commits trigger jobs; ${NO_JOBS}`,
  from_commit: 'from_commit (Pachyderm 1.5-1.6) skipped the commits a pipeline had processed; a service serves the commit named by branch or commit',
};

export const UNSUPPORTED_LEGACY_INPUT: Record<string, string> = {
  method: `method partitions an input among workers; ${WHOLE}`,
  run_empty: `run_empty decides whether empty commits start a job; ${NO_JOBS}`,
  lazy: UNSUPPORTED_PFS.lazy!,
  from: 'from limits which commits a pipeline processes; a service serves the one commit named by id or branch',
};

export const UNSUPPORTED_PARALLELISM: Record<string, string> = {
  coefficient: 'coefficient scales Pachyderm workers with the number of nodes; a service runs constant replicas',
};

export const UNSUPPORTED_SERVICE: Record<string, string> = {
  annotations: 'service.annotations moved to metadata.annotations in Pachyderm 1.10: put them there (they are copied onto the Service)',
};

export const UNSUPPORTED_SPOUT: Record<string, string> = {
  overwrite: "overwrite (Pachyderm 1.9-1.13 spouts) replaced the spout's output commit; pachsvc makes no spout output",
  marker: "marker (Pachyderm 1.10-1.13 spouts) kept a spout's place in its output repo; pachsvc makes no spout output",
};
