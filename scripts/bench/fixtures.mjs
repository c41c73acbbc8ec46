// What the list benchmark puts on the cluster: N pachsvc services rendered by pachsvc itself (six
// variants: ClusterIP or NodePort, 1–3 inputs, one variant with a follow sidecar), and enough kwok fake
// nodes for all their pods.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inParallel } from './kube.mjs';

const FIRST_NODE_PORT = 30000;
const NODE_PORTS = 2768; // the default range 30000–32767
// Services past this index are all ClusterIP: half of 10,000 would not fit in the NodePort range.
const NODE_PORT_SERVICES = 4800;
export const BENCH_NODE_LABEL = 'pachsvc.io/bench-node';

const PFS = [
  { pfs: { repo: 'images', branch: 'master', glob: '/' } },
  { pfs: { name: 'labels', repo: 'labels', branch: 'master~1', glob: '/' } },
  { pfs: { repo: 'models', branch: 'dev', glob: '/' } },
];

/** The spec of variant (inputs, nodePort), named `token` (replaced by each copy's name). */
function variantSpec(token, inputs, nodePort) {
  const pfs = PFS.slice(0, inputs).map((p) => structuredClone(p));
  // One variant keeps its last input on the newest commit: a follow sidecar, as real services have.
  if (inputs === 3 && !nodePort) pfs[2].pfs.follow = true;
  return {
    pipeline: { name: token },
    description: 'pachsvc list benchmark',
    transform: { image: 'python:3.12-slim', cmd: ['python3', '-m', 'http.server', '8080', '--directory', '/pfs'], env: { PYTHONUNBUFFERED: '1' } },
    service: nodePort ? { internal_port: 8080, external_port: FIRST_NODE_PORT } : { internal_port: 8080, type: 'ClusterIP' },
    input: inputs === 1 ? pfs[0] : { cross: pfs },
  };
}

/**
 * Renders the six variants with `bin/pachsvc render` and returns make(i): the Deployment and Service of
 * service i (0-based), named bench-0001…, with a NodePort of its own on NodePort variants.
 */
export function renderTemplates(pachsvc, namespace) {
  const dir = mkdtempSync(join(tmpdir(), 'pachsvc-bench-specs-'));
  const templates = [];
  try {
    for (const nodePort of [false, true]) {
      for (const inputs of [1, 2, 3]) {
        const token = `benchtmpl${templates.length}x`;
        const file = join(dir, `${token}.json`);
        writeFileSync(file, JSON.stringify(variantSpec(token, inputs, nodePort)));
        const out = execFileSync(pachsvc, ['render', '-f', file, '-n', namespace, '-o', 'json'], { encoding: 'utf8' });
        templates.push({ token, text: out, inputs, nodePort });
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const make = (i) => {
    let t = templates[i % templates.length];
    if (t.nodePort && i >= NODE_PORT_SERVICES) t = templates.find((x) => !x.nodePort && x.inputs === t.inputs) ?? t;
    const name = serviceName(i);
    const list = JSON.parse(t.text.replaceAll(t.token, name));
    const deployment = list.items.find((o) => o.kind === 'Deployment');
    const service = list.items.find((o) => o.kind === 'Service');
    if (!deployment || !service) throw new Error('pachsvc render did not give a Deployment and a Service');
    if (t.nodePort) setNodePort(deployment, service, FIRST_NODE_PORT + (i % NODE_PORTS));
    return { deployment, service };
  };
  return { make, variants: templates.map((t) => `${t.inputs} input${t.inputs > 1 ? 's' : ''} ${t.nodePort ? 'NodePort' : 'ClusterIP'}`) };
}

export const serviceName = (i) => `bench-${String(i + 1).padStart(5, '0')}`;

/**
 * The spec the write benchmark creates, updates, applies, inspects and deletes: two inputs crossed,
 * a ClusterIP port; `variant` changes one environment variable (so that an update changes something).
 */
export function writeSpec(name, variant) {
  return {
    pipeline: { name },
    description: 'pachsvc write benchmark',
    transform: { image: 'python:3.12-slim', cmd: ['python3', '-m', 'http.server', '8080', '--directory', '/pfs'], env: { PYTHONUNBUFFERED: '1', BENCH_VARIANT: variant } },
    service: { internal_port: 8080, type: 'ClusterIP' },
    input: { cross: [PFS[0], PFS[1]].map((p) => structuredClone(p)) },
  };
}

/**
 * Spec files of variants a and b of writeSpec in dir, and the objects pachsvc renders from each for
 * kubectlNamespace (YAML, for `kubectl create|apply -f`). Returns { spec: {a, b}, yaml: {a, b} }.
 */
export function writeFixtures(pachsvc, dir, name, kubectlNamespace) {
  const out = { spec: {}, yaml: {} };
  for (const v of ['a', 'b']) {
    out.spec[v] = join(dir, `${name}-${v}.json`);
    writeFileSync(out.spec[v], JSON.stringify(writeSpec(name, v), null, 2));
    out.yaml[v] = join(dir, `${name}-${v}.yaml`);
    writeFileSync(out.yaml[v], execFileSync(process.execPath, [pachsvc, 'render', '-f', out.spec[v], '-n', kubectlNamespace], { encoding: 'utf8' }));
  }
  return out;
}

// The port is in the Service and in the spec the Deployment records.
function setNodePort(deployment, service, port) {
  service.spec.ports[0].nodePort = port;
  const ann = deployment.metadata.annotations;
  const key = Object.keys(ann).find((k) => k.endsWith('/spec'));
  if (key) {
    const spec = JSON.parse(ann[key]);
    spec.service.external_port = port;
    ann[key] = JSON.stringify(spec);
  }
}

/** Creates the services of the given indices (Deployment and Service each), `limit` services at a time. */
export async function createServices(kube, namespace, make, indices, limit, onProgress) {
  const ns = encodeURIComponent(namespace);
  let done = 0;
  await inParallel(indices, limit, async (i) => {
    const { deployment, service } = make(i);
    await Promise.all([
      kube.must('POST', `/apis/apps/v1/namespaces/${ns}/deployments`, { body: deployment }, [409]),
      createService(kube, ns, service),
    ]);
    onProgress?.(++done);
  });
}

async function createService(kube, ns, service) {
  try {
    await kube.must('POST', `/api/v1/namespaces/${ns}/services`, { body: service }, [409]);
  } catch (err) {
    if (/range is full/i.test(String(err.message))) {
      // Every NodePort is taken (several big namespaces in one cluster): a ClusterIP Service then.
      service.spec.type = 'ClusterIP';
      for (const p of service.spec.ports) delete p.nodePort;
      await kube.must('POST', `/api/v1/namespaces/${ns}/services`, { body: service }, [409]);
      return;
    }
    // A NodePort someone else holds (a shared cluster): let the API server pick one.
    if (err.status !== 422 || !/port.*allocated/i.test(String(err.message))) throw err;
    delete service.spec.ports[0].nodePort;
    try {
      await kube.must('POST', `/api/v1/namespaces/${ns}/services`, { body: service }, [409]);
    } catch (again) {
      if (!/range is full/i.test(String(again.message))) throw again;
      service.spec.type = 'ClusterIP';
      await kube.must('POST', `/api/v1/namespaces/${ns}/services`, { body: service }, [409]);
    }
  }
}

/**
 * Adds kwok fake nodes (copies of an existing one) until the schedulable nodes can hold the pods already
 * in the cluster plus `pods` more (and 5% to spare). Returns { added, names, note }.
 */
export async function addFakeNodes(kube, pods) {
  const nodes = (await kube.must('GET', '/api/v1/nodes')).body.items;
  const fake = nodes.find((n) => n.metadata.annotations?.['kwok.x-k8s.io/node'] === 'fake' && !n.metadata.labels?.[BENCH_NODE_LABEL]) ??
    nodes.find((n) => n.metadata.annotations?.['kwok.x-k8s.io/node'] === 'fake');
  if (!fake) return { added: 0, names: [], note: 'no kwok fake node (annotation kwok.x-k8s.io/node=fake) to copy: no nodes added' };
  const podsOf = (n) => Number(n.status?.allocatable?.pods ?? 110);
  const capacity = nodes.filter((n) => !n.spec?.unschedulable).reduce((sum, n) => sum + podsOf(n), 0);
  // Pods there are, or will be (a Deployment's pods may not be made yet): one replica each.
  const used = Math.max(await countRows(kube, '/api/v1/pods'), await countRows(kube, '/apis/apps/v1/deployments'));
  const need = pods + used + Math.ceil(pods * 0.05) - capacity;
  const per = podsOf(fake);
  const count = need > 0 ? Math.ceil(need / per) : 0;
  const existing = new Set(nodes.map((n) => n.metadata.name));
  const names = [];
  for (let k = 1; names.length < count; k++) if (!existing.has(`kwok-bench-${k}`)) names.push(`kwok-bench-${k}`);
  await inParallel(names, 8, (name) => kube.must('POST', '/api/v1/nodes', { body: copyNode(fake, name) }));
  return { added: count, names, note: `copied ${fake.metadata.name} (${per} pods each)` };
}

/** Every object of a collection in the cluster, counted page by page (remainingItemCount is not always given). */
async function countRows(kube, collection) {
  let n = 0;
  let cont = '';
  do {
    const table = (await kube.must('GET', `${collection}?includeObject=None&limit=5000${cont ? `&continue=${encodeURIComponent(cont)}` : ''}`, { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' })).body;
    n += (table.rows ?? []).length;
    cont = table.metadata?.continue ?? '';
  } while (cont);
  return n;
}

function copyNode(node, name) {
  const { podCIDR, podCIDRs, providerID, taints, ...spec } = node.spec ?? {};
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      labels: { ...node.metadata.labels, 'kubernetes.io/hostname': name, [BENCH_NODE_LABEL]: 'true' },
      annotations: Object.fromEntries(Object.entries(node.metadata.annotations ?? {}).filter(([k]) => k.startsWith('kwok.x-k8s.io/') || k === 'node.alpha.kubernetes.io/ttl')),
    },
    spec,
    status: { allocatable: node.status?.allocatable, capacity: node.status?.capacity },
  };
}

/** Names of the given nodes that are Ready and untainted. */
export async function readyNodes(kube, names) {
  const nodes = (await kube.must('GET', `/api/v1/nodes?labelSelector=${encodeURIComponent(`${BENCH_NODE_LABEL}=true`)}`)).body.items;
  return nodes
    .filter((n) => names.includes(n.metadata.name))
    .filter((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') && !(n.spec?.taints?.length > 0))
    .map((n) => n.metadata.name);
}

/** { total, ready } over the managed Deployments of the namespace, from a compact server-side table. */
export async function deploymentReadiness(kube, namespace) {
  const path = `/apis/apps/v1/namespaces/${encodeURIComponent(namespace)}/deployments?labelSelector=${encodeURIComponent('app.kubernetes.io/managed-by=pachsvc')}&includeObject=None`;
  const table = (await kube.must('GET', path, { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' })).body;
  const col = table.columnDefinitions.findIndex((c) => c.name === 'Ready');
  const rows = table.rows ?? [];
  const ready = rows.filter((r) => {
    const [a, b] = String(r.cells[col]).split('/');
    return a === b && Number(b) > 0;
  }).length;
  return { total: rows.length, ready };
}
