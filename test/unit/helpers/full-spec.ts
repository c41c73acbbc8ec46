// One spec with every field a service uses, written in each spelling pachsvc reads, and the model all of
// them give: for the dialect tests, and for the render tests that need a spec with everything in it.
import type { Input, ServiceSpec } from '../../../src/spec/model.ts';
import { COMMIT_A } from './spec.ts';

/** An input of the model, with the defaults a spec leaves out. */
export const input = (name: string, repo: string, ref: Input['ref'] = { branch: 'master' }, extra: Partial<Input> = {}): Input => ({
  name,
  repo,
  ref,
  follow: false,
  ...extra,
});

export const FULL_MODEL: ServiceSpec = {
  name: 'full-svc',
  description: 'everything',
  project: 'proj',
  image: 'registry.example.com/app:1.2',
  cmd: ['sh'],
  stdin: ['echo $X', 'exec app'],
  env: { X: '1', FLAG: 'true', NAME: 'v' },
  secrets: [
    { name: 'creds', mountPath: '/etc/creds' },
    { name: 'db', envVar: 'DB_PASSWORD', key: 'password' },
  ],
  imagePullSecrets: ['regcred'],
  user: { uid: 1000, gid: 100 },
  workingDir: '/work',
  memoryVolume: true,
  replicas: 2,
  inputs: [
    input('left', 'trips', { branch: 'master', ancestry: { op: '^', count: 2 } }, { project: 'proj' }),
    input('weather', 'weather', { branch: 'dev', commit: COMMIT_A }, { project: 'other' }),
  ],
  port: { internal: 8888, external: 8443, type: 'LoadBalancer' },
  onNewData: 'restart',
  resources: {
    requests: { cpu: '500m', memory: '1Gi', disk: '10Gi', gpu: { type: 'nvidia.com/gpu', number: 1 } },
    limits: { cpu: '2' },
  },
  sidecarResources: { limits: { memory: '256Mi' } },
  labels: { team: 'data' },
  annotations: { 'example.com/owner': 'ops' },
  nodeSelector: { 'kubernetes.io/os': 'linux' },
  priorityClassName: 'high',
  tolerations: [
    { key: 'gpu', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 60 },
    { key: 'zone', operator: 'Equal', value: 'a' },
  ],
  podSpec: { hostNetwork: true },
  podPatch: [{ op: 'add', path: '/dnsPolicy', value: 'None' }],
};

export const FULL_SNAKE = {
  pipeline: { name: 'full_svc', project: { name: 'proj' } },
  description: 'everything',
  transform: {
    image: 'registry.example.com/app:1.2',
    cmd: ['sh'],
    stdin: ['echo $X', 'exec app'],
    env: { X: 1, FLAG: true, NAME: 'v' },
    secrets: [
      { name: 'creds', mount_path: '/etc/creds' },
      { name: 'db', env_var: 'DB_PASSWORD', key: 'password' },
    ],
    image_pull_secrets: ['regcred'],
    user: '1000:100',
    working_dir: '/work',
    memory_volume: true,
  },
  parallelism_spec: { constant: 2 },
  input: {
    cross: [
      { pfs: { name: 'left', repo: 'trips', branch: 'master^2', glob: '/' } },
      { pfs: { repo: 'weather', project: 'other', branch: 'dev', commit: COMMIT_A.toUpperCase(), glob: '/' } },
    ],
  },
  service: { internal_port: 8888, external_port: 8443, type: 'LoadBalancer' },
  resource_requests: { cpu: 0.5, memory: '1Gi', disk: '10Gi', gpu: { type: 'nvidia.com/gpu', number: 1 } },
  resource_limits: { cpu: 2 },
  sidecar_resource_limits: { memory: '256Mi' },
  metadata: { labels: { team: 'data' }, annotations: { 'example.com/owner': 'ops' } },
  scheduling_spec: { node_selector: { 'kubernetes.io/os': 'linux' }, priority_class_name: 'high' },
  tolerations: [
    { key: 'gpu', operator: 'EXISTS', effect: 'NO_EXECUTE', toleration_seconds: 60 },
    { key: 'zone', operator: 'EQUAL', value: 'a', effect: 'ALL_EFFECTS' },
  ],
  pod_spec: '{"hostNetwork": true}',
  pod_patch: '[{"op": "add", "path": "/dnsPolicy", "value": "None"}]',
};

// The same spec as the 2.x docs write it: YAML, lowerCamelCase. Free maps (env, labels, …) keep their keys.
export const FULL_CAMEL_YAML = `# comment
pipeline:
  name: full_svc
  project:
    name: proj
description: everything
transform:
  image: registry.example.com/app:1.2
  cmd: [sh]
  stdin:
    - echo $X
    - exec app
  env:
    X: 1
    FLAG: true
    NAME: v
  secrets:
    - name: creds
      mountPath: /etc/creds
    - name: db
      envVar: DB_PASSWORD
      key: password
  imagePullSecrets: [regcred]
  user: "1000:100"
  workingDir: /work
  memoryVolume: true
parallelismSpec:
  constant: 2
input:
  cross:
    - pfs: {name: left, repo: trips, branch: master^2, glob: /}
    - pfs:
        repo: weather
        project: other
        branch: dev
        commit: ${COMMIT_A.toUpperCase()}
        glob: /
service:
  internalPort: 8888
  externalPort: 8443
  type: LoadBalancer
resourceRequests:
  cpu: 0.5
  memory: 1Gi
  disk: 10Gi
  gpu: {type: nvidia.com/gpu, number: 1}
resourceLimits:
  cpu: 2
sidecarResourceLimits:
  memory: 256Mi
metadata:
  labels:
    team: data
  annotations:
    example.com/owner: ops
schedulingSpec:
  nodeSelector:
    kubernetes.io/os: linux
  priorityClassName: high
tolerations:
  - {key: gpu, operator: EXISTS, effect: NO_EXECUTE, tolerationSeconds: 60}
  - {key: zone, operator: EQUAL, value: a, effect: ALL_EFFECTS}
podSpec: '{"hostNetwork": true}'
podPatch: '[{"op": "add", "path": "/dnsPolicy", "value": "None"}]'
`;
