// A stand-in Kubernetes API server for the build's code-cache training (scripts/build.mjs): it answers the
// calls list, create, apply, update, inspect and delete make, in the API server's shapes, from objects
// kept in memory, so that those commands run their ordinary code once while the caches are made. HTTPS
// with HTTP/2 on 127.0.0.1 (a throwaway certificate made with openssl), as an API server is, so the
// transport's own path is what runs; plain HTTP where openssl is missing. Nothing here is a test of
// behaviour (test/ and the real API server are).
import { execFileSync } from 'node:child_process';
import http from 'node:http';
import http2 from 'node:http2';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const TABLE_COLUMNS = {
  deployments: ['Name', 'Ready', 'Up-to-date', 'Available', 'Age', 'Containers', 'Images', 'Selector'],
  services: ['Name', 'Type', 'Cluster-IP', 'External-IP', 'Port(s)', 'Age', 'Selector'],
  pods: ['Name', 'Ready', 'Status', 'Restarts', 'Age', 'IP', 'Node', 'Nominated Node', 'Readiness Gates'],
};

const status = (code, reason, message) => ({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason, message, code });

export async function startStandIn() {
  const objects = new Map();
  let rv = 100;
  const dir = mkdtempSync(join(tmpdir(), 'pachsvc-build-'));
  const cert = certificate(dir);
  const handler = (req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://stand-in');
      const send = (code, value, type = 'application/json') => {
        res.writeHead(code, { 'Content-Type': type });
        res.end(typeof value === 'string' ? value : JSON.stringify(value));
      };
      if (url.pathname === '/api/v1/nodes') return send(200, { kind: 'NodeList', apiVersion: 'v1', metadata: {}, items: [node()] });
      const m = /^\/(?:api|apis\/[^/]+)\/v1\/namespaces\/([^/]+)\/([^/]+)(?:\/([^/]+))?(?:\/(log))?$/.exec(url.pathname);
      if (!m) return send(404, status(404, 'NotFound', 'the server could not find the requested resource'));
      const [, ns, resource, name, sub] = m;
      if (sub === 'log') return send(200, 'checkout: serving images@0123456789abcdef0123456789abcdef at /pfs/images\n', 'text/plain');
      const dry = url.searchParams.get('dryRun') === 'All' || /"dryRun":\["All"\]/.test(body);
      if (req.method === 'GET' && name === undefined) {
        const items = [...objects.entries()].filter(([k]) => k.startsWith(`${ns}/${resource}/`)).map(([, v]) => v);
        if (resource === 'pods') items.push(...[...objects.values()].filter((o) => o.kind === 'Deployment' && o.metadata.namespace === ns).map(podOf));
        if (/as=Table/.test(req.headers.accept ?? '')) return send(200, table(resource, items, url.searchParams.get('includeObject')));
        return send(200, { kind: 'List', apiVersion: 'v1', metadata: { resourceVersion: String(rv) }, items });
      }
      const key = `${ns}/${resource}/${name}`;
      const existing = objects.get(key);
      if (req.method === 'GET') return existing ? send(200, existing) : send(404, status(404, 'NotFound', `${resource} "${name}" not found`));
      if (req.method === 'DELETE') {
        if (!existing) return send(404, status(404, 'NotFound', `${resource} "${name}" not found`));
        if (!dry) objects.delete(key);
        return send(200, { kind: 'Status', apiVersion: 'v1', status: 'Success' });
      }
      let obj;
      try {
        obj = body ? JSON.parse(body) : {};
      } catch {
        return send(400, status(400, 'BadRequest', 'body is not JSON'));
      }
      if (req.method === 'PATCH' && Array.isArray(obj)) {
        if (!existing) return send(404, status(404, 'NotFound', `${resource} "${name}" not found`));
        const patched = jsonPatch(structuredClone(existing), obj);
        patched.metadata.resourceVersion = String(++rv);
        if (!dry) objects.set(key, patched);
        return send(200, patched);
      }
      if (req.method === 'POST' && objects.has(`${ns}/${resource}/${obj.metadata?.name}`)) return send(409, status(409, 'AlreadyExists', `${resource} "${obj.metadata?.name}" already exists`));
      const stored = {
        ...obj,
        metadata: {
          ...obj.metadata,
          namespace: ns,
          uid: existing?.metadata.uid ?? `uid-${rv}`,
          resourceVersion: String(++rv),
          creationTimestamp: existing?.metadata.creationTimestamp ?? new Date().toISOString(),
          managedFields: [{ manager: 'pachsvc', operation: req.method === 'POST' ? 'Update' : 'Apply', apiVersion: obj.apiVersion, fieldsType: 'FieldsV1', fieldsV1: {} }],
        },
        ...(obj.kind === 'Deployment' ? { status: { replicas: 1, readyReplicas: 1, availableReplicas: 1, updatedReplicas: 1, observedGeneration: 1 } } : {}),
        ...(obj.kind === 'Service' ? { spec: { ...obj.spec, clusterIP: '10.0.0.10' } } : {}),
      };
      if (!dry) objects.set(`${ns}/${resource}/${obj.metadata?.name ?? name}`, stored);
      return send(req.method === 'POST' ? 201 : 200, stored);
    });
  };
  const server = cert ? http2.createSecureServer({ cert: cert.cert, key: cert.key, allowHTTP1: true }, handler) : http.createServer(handler);
  const sessions = new Set();
  server.on('session', (s) => {
    sessions.add(s);
    s.on('close', () => sessions.delete(s));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(
    kubeconfig,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      '- name: stand-in',
      '  cluster:',
      `    server: ${cert ? 'https' : 'http'}://127.0.0.1:${server.address().port}`,
      ...(cert ? [`    certificate-authority-data: ${Buffer.from(cert.cert).toString('base64')}`] : []),
      'users:',
      '- name: stand-in',
      '  user:',
      '    token: training',
      'contexts:',
      '- name: stand-in',
      '  context:',
      '    cluster: stand-in',
      '    user: stand-in',
      'current-context: stand-in',
      '',
    ].join('\n'),
  );
  return {
    kubeconfig,
    close: async () => {
      server.closeAllConnections?.();
      for (const s of sessions) s.destroy();
      await new Promise((resolve) => server.close(resolve));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** RFC 6902, as far as pachsvc uses it ('test' is not checked: the stand-in has no concurrent writers). */
function jsonPatch(doc, ops) {
  for (const op of ops) {
    const keys = String(op.path).split('/').slice(1).map((k) => k.replace(/~1/g, '/').replace(/~0/g, '~'));
    const last = keys.pop();
    let node = doc;
    for (const k of keys) node = node?.[k];
    if (node === undefined || last === undefined) continue;
    if (op.op === 'add' || op.op === 'replace') {
      if (Array.isArray(node) && last === '-') node.push(op.value);
      else node[last] = op.value;
    } else if (op.op === 'remove') {
      if (Array.isArray(node)) node.splice(Number(last), 1);
      else delete node[last];
    }
  }
  return doc;
}

/** A self-signed certificate for 127.0.0.1 (EC P-256, a day), or undefined without openssl. */
function certificate(dir) {
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
      '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
    return { cert: readFileSync(join(dir, 'cert.pem'), 'utf8'), key: readFileSync(join(dir, 'key.pem'), 'utf8') };
  } catch {
    return undefined;
  }
}

function podOf(deployment) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `${deployment.metadata.name}-5d8f7c9b4-x2x7q`, namespace: deployment.metadata.namespace, uid: 'pod-uid', labels: deployment.spec?.template?.metadata?.labels ?? {}, creationTimestamp: deployment.metadata.creationTimestamp },
    spec: { nodeName: 'node-1', containers: deployment.spec?.template?.spec?.containers ?? [], initContainers: deployment.spec?.template?.spec?.initContainers ?? [] },
    status: {
      phase: 'Running',
      conditions: [{ type: 'Ready', status: 'True' }],
      initContainerStatuses: (deployment.spec?.template?.spec?.initContainers ?? []).map((c) => ({ name: c.name, ready: true, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } })),
      containerStatuses: (deployment.spec?.template?.spec?.containers ?? []).map((c) => ({ name: c.name, ready: true, restartCount: 0, state: { running: { startedAt: deployment.metadata.creationTimestamp } } })),
    },
  };
}

function node() {
  return { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-1' }, status: { addresses: [{ type: 'InternalIP', address: '10.1.0.1' }] } };
}

function table(resource, items, includeObject) {
  const columns = TABLE_COLUMNS[resource] ?? ['Name', 'Age'];
  const cell = (o, c) => {
    if (c === 'Name') return o.metadata.name;
    if (c === 'Ready') return o.kind === 'Pod' ? '1/1' : '1/1';
    if (c === 'Status') return 'Running';
    if (c === 'Restarts') return 0;
    if (c === 'Node') return 'node-1';
    if (c === 'Type') return o.spec?.type ?? 'ClusterIP';
    if (c === 'Cluster-IP') return o.spec?.clusterIP ?? '10.0.0.10';
    if (c === 'External-IP') return '<none>';
    if (c === 'Port(s)') return (o.spec?.ports ?? []).map((p) => `${p.port}${p.nodePort ? `:${p.nodePort}` : ''}/TCP`).join(',');
    if (c === 'Images') return (o.spec?.template?.spec?.containers ?? []).map((x) => x.image).join(',');
    return '';
  };
  const object = (o) =>
    includeObject === 'None'
      ? undefined
      : { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: { name: o.metadata.name, namespace: o.metadata.namespace, labels: o.metadata.labels, annotations: o.metadata.annotations, creationTimestamp: o.metadata.creationTimestamp } };
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion: '1' },
    columnDefinitions: columns.map((name) => ({ name, type: 'string', format: name === 'Name' ? 'name' : '', description: '', priority: 0 })),
    rows: items.map((o) => ({ cells: columns.map((c) => cell(o, c)), ...(object(o) ? { object: object(o) } : {}) })),
  };
}
