// The canonical ServiceSpec written back as a Pachyderm 2.x spec (snake_case). Recorded on the
// Deployment so `inspect` can show it, and loadable again: loadSpec(serialize(s)) gives s back.
import type { Input, Resources, ServiceSpec } from './model.ts';
import { formatRef } from './ref.ts';

export function serializeSpec(s: ServiceSpec): Record<string, unknown> {
  const out: Record<string, unknown> = { pipeline: { name: s.name, ...(s.project ? { project: { name: s.project } } : {}) } };
  if (s.description !== undefined) out.description = s.description;
  const transform: Record<string, unknown> = { image: s.image };
  if (s.cmd.length) transform.cmd = s.cmd;
  if (s.stdin.length) transform.stdin = s.stdin;
  if (Object.keys(s.env).length) transform.env = s.env;
  if (s.secrets.length) {
    transform.secrets = s.secrets.map((x) => ('envVar' in x ? { name: x.name, env_var: x.envVar, key: x.key } : { name: x.name, mount_path: x.mountPath }));
  }
  if (s.imagePullSecrets.length) transform.image_pull_secrets = s.imagePullSecrets;
  if (s.user) transform.user = s.user.gid !== undefined ? `${s.user.uid}:${s.user.gid}` : String(s.user.uid);
  if (s.workingDir !== undefined) transform.working_dir = s.workingDir;
  if (s.memoryVolume) transform.memory_volume = true;
  out.transform = transform;
  if (s.replicas !== 1) out.parallelism_spec = { constant: s.replicas };
  if (s.inputs.length === 1) out.input = { pfs: pfs(s.inputs[0]!, s.project) };
  else if (s.inputs.length > 1) out.input = { cross: s.inputs.map((i) => ({ pfs: pfs(i, s.project) })) };
  const service = {
    internal_port: s.port.internal,
    ...(s.port.external !== undefined ? { external_port: s.port.external } : {}),
    type: s.port.type,
    ...(s.inputs.some((i) => i.follow) ? { on_new_data: s.onNewData } : {}),
  };
  if (s.spout) out.spout = { service };
  else out.service = service;
  if (s.resources.requests) out.resource_requests = resources(s.resources.requests);
  if (s.resources.limits) out.resource_limits = resources(s.resources.limits);
  if (s.sidecarResources.requests) out.sidecar_resource_requests = resources(s.sidecarResources.requests);
  if (s.sidecarResources.limits) out.sidecar_resource_limits = resources(s.sidecarResources.limits);
  const metadata: Record<string, unknown> = {};
  if (Object.keys(s.labels).length) metadata.labels = s.labels;
  if (Object.keys(s.annotations).length) metadata.annotations = s.annotations;
  if (Object.keys(metadata).length) out.metadata = metadata;
  if (Object.keys(s.nodeSelector).length || s.priorityClassName !== undefined) {
    out.scheduling_spec = {
      ...(Object.keys(s.nodeSelector).length ? { node_selector: s.nodeSelector } : {}),
      ...(s.priorityClassName !== undefined ? { priority_class_name: s.priorityClassName } : {}),
    };
  }
  if (s.tolerations.length) {
    out.tolerations = s.tolerations.map((t) => ({
      ...(t.key !== undefined ? { key: t.key } : {}),
      ...(t.operator !== undefined ? { operator: t.operator } : {}),
      ...(t.value !== undefined ? { value: t.value } : {}),
      ...(t.effect !== undefined ? { effect: t.effect } : {}),
      ...(t.tolerationSeconds !== undefined ? { toleration_seconds: t.tolerationSeconds } : {}),
    }));
  }
  if (s.podSpec !== undefined) out.pod_spec = JSON.stringify(s.podSpec);
  if (s.podPatch !== undefined) out.pod_patch = JSON.stringify(s.podPatch);
  return out;
}

function pfs(i: Input, specProject: string | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (i.name !== i.repo) out.name = i.name;
  out.repo = i.repo;
  if (i.project !== undefined && i.project !== specProject) out.project = i.project;
  out.branch = formatRef(i.ref);
  out.glob = '/';
  if (i.follow) out.follow = true;
  return out;
}

function resources(r: Resources): Record<string, unknown> {
  return {
    ...(r.cpu !== undefined ? { cpu: r.cpu } : {}),
    ...(r.memory !== undefined ? { memory: r.memory } : {}),
    ...(r.gpu !== undefined ? { gpu: r.gpu } : {}),
    ...(r.disk !== undefined ? { disk: r.disk } : {}),
  };
}
