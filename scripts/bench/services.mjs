// Putting N pachsvc services on the cluster for the list benchmarks, fast (straight through the API,
// `concurrency` at a time), with kwok fake nodes for their pods, and waiting until they run.
import { MANAGED, TABLE, benchNamespace, log, secs, waitUntil } from './env.mjs';
import { addFakeNodes, createServices, deploymentReadiness, readyNodes, renderTemplates, serviceName } from './fixtures.mjs';
import { sleep } from './kube.mjs';

/**
 * Makes namespace ns hold services bench-00001 … bench-N (creating those missing; a namespace of the
 * benchmark's that holds others is made again) and waits until their Deployments are ready. Returns
 * { created, nodes, ready, ms: { nodes, create, ready } }.
 */
export async function ensureServices({ kube, pachsvc, ns, count, concurrency = 32, readyTimeoutS = 1800 }) {
  let present = new Set();
  if (await benchNamespace(kube, ns, { reuse: true })) {
    const [deployments, services] = await Promise.all([managedNames(kube, ns, 'deployments'), managedNames(kube, ns, 'services')]);
    const wanted = new Set(Array.from({ length: count }, (_, i) => serviceName(i)));
    if ([...deployments, ...services].every((name) => wanted.has(name))) {
      present = new Set([...deployments].filter((d) => services.has(d)));
      if (present.size > 0) log(`namespace ${ns} already holds ${present.size} of the ${count} services: keeping them`);
    } else {
      log(`namespace ${ns} holds services beyond the ${count} wanted: making it again`);
      await benchNamespace(kube, ns, { reuse: false });
    }
  }
  const missing = Array.from({ length: count }, (_, i) => i).filter((i) => !present.has(serviceName(i)));
  const ms = {};

  let t = Date.now();
  const nodes = await addFakeNodes(kube, missing.length);
  if (nodes.added > 0) {
    log(`adding ${nodes.added} kwok fake nodes (${nodes.note}) so that every pod fits`);
    await waitUntil(`${nodes.added} new nodes Ready`, 300_000, async () => (await readyNodes(kube, nodes.names)).length === nodes.added);
  } else if (/no kwok/.test(nodes.note)) log(nodes.note);
  ms.nodes = Date.now() - t;

  t = Date.now();
  if (missing.length > 0) {
    const { make, variants } = renderTemplates(pachsvc, ns);
    log(`creating ${missing.length} services in ${ns} (${2 * missing.length} objects, ${concurrency} services at a time; variants: ${variants.join(', ')})`);
    let last = Date.now();
    await createServices(kube, ns, make, missing, concurrency, (done) => {
      if (Date.now() - last > 10_000) {
        last = Date.now();
        log(`  ${done}/${missing.length} created (${secs(Date.now() - t)})`);
      }
    });
  }
  ms.create = Date.now() - t;

  // Ready: every Deployment says so, or, for thousands (the controller manager's status updates lag far
  // behind on a small machine), every pod is Running: what list reads is the same size either way.
  t = Date.now();
  const done = async () => {
    const r = await deploymentReadiness(kube, ns);
    if (r.ready >= count) return { ...r, pods: undefined };
    const pods = count > 2000 ? await runningPods(kube, ns) : undefined;
    return { ...r, pods, ok: pods !== undefined && pods >= count };
  };
  let readiness = await done();
  let lastLog = Date.now();
  const deadline = Date.now() + readyTimeoutS * 1000;
  while (readiness.ready < count && !readiness.ok && Date.now() < deadline) {
    if (Date.now() - lastLog > 15_000) {
      log(`  ${readiness.ready}/${count} deployments ready${readiness.pods !== undefined ? `, ${readiness.pods} pods running` : ''} (${secs(Date.now() - t)})`);
      lastLog = Date.now();
    }
    await sleep(count > 2000 ? 5000 : 1000);
    readiness = await done();
  }
  ms.ready = Date.now() - t;
  if (readiness.ready < count && !readiness.ok) log(`only ${readiness.ready}/${count} deployments ready after ${readyTimeoutS} s; measuring anyway`);
  return { created: missing.length, nodes: nodes.added, ready: readiness.ready, running: readiness.pods, ms };
}

/** How many of the namespace's pods are Running. */
async function runningPods(kube, ns) {
  let n = 0;
  let cont = '';
  do {
    const p = `/api/v1/namespaces/${encodeURIComponent(ns)}/pods?fieldSelector=${encodeURIComponent('status.phase=Running')}&includeObject=None&limit=5000${cont ? `&continue=${encodeURIComponent(cont)}` : ''}`;
    const table = (await kube.must('GET', p, { accept: TABLE })).body;
    n += (table.rows ?? []).length;
    cont = table.metadata?.continue ?? '';
  } while (cont);
  return n;
}

/** Names of the managed objects of one resource in the namespace. */
async function managedNames(kube, ns, resource) {
  const api = resource === 'services' ? '/api/v1' : '/apis/apps/v1';
  const names = new Set();
  let cont = '';
  do {
    const p = `${api}/namespaces/${encodeURIComponent(ns)}/${resource}?labelSelector=${encodeURIComponent(MANAGED)}&includeObject=None&limit=500${cont ? `&continue=${encodeURIComponent(cont)}` : ''}`;
    const table = (await kube.must('GET', p, { accept: TABLE })).body;
    const col = table.columnDefinitions.findIndex((c) => c.name === 'Name');
    for (const r of table.rows ?? []) names.add(String(r.cells[col]));
    cont = table.metadata?.continue ?? '';
  } while (cont);
  return names;
}
